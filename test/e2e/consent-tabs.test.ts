// Consent holds for the visitor, not for one tab (issue 18): optOut() in any
// tab stops P2P in every tab of the origin at once, and no queued leader lock
// starts an engine later. Save-Data and the connection type are re-checked
// when they change.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import type { RunningServer } from '../../src/server/index.js'
import { fetchAll, launch, makeSite, publishAndServe, stats, visit, waitControlled, waitForPeers, waitForSeed, type Site } from './harness.js'

let browser: Browser
let site: Site
let server: RunningServer

beforeAll(async () => {
  browser = await launch()
  site = await makeSite()
  server = await publishAndServe(site)
})
afterAll(async () => {
  await browser?.close()
  await server?.close()
  await site?.cleanup()
})

const engineRunning = (p: Page): Promise<boolean> => p.evaluate(() => window.swarmcdn!.stats().then((s) => s.engine?.running === true && s.leader))
/** The leader lock as this origin's lock manager sees it: held and queued requests. */
const leaderLock = (p: Page): Promise<{ held: number, pending: number }> => p.evaluate(async () => {
  const q = await navigator.locks.query()
  return {
    held: (q.held ?? []).filter((l) => l.name === 'swarmcdn-leader').length,
    pending: (q.pending ?? []).filter((l) => l.name === 'swarmcdn-leader').length
  }
})

describe('optOut() across tabs', () => {
  it('stops the leader in another tab at once, withdraws queued locks, and nothing starts later', async () => {
    const seeder = await visit(browser, server.url)
    await waitControlled(seeder.page)
    await fetchAll(seeder.page, site)
    await waitForSeed(seeder.page)

    const context = await browser.newContext()
    const leader = await context.newPage()
    await leader.goto(server.url)
    await waitControlled(leader)
    await expect.poll(() => engineRunning(leader), { timeout: 15_000 }).toBe(true)
    await waitForPeers(leader)
    const other = await context.newPage()
    const late: string[] = []
    other.on('request', (r) => { if (r.url().includes('swarmcdn-engine.js')) late.push(r.url()) })
    other.on('websocket', (ws) => late.push(ws.url()))
    await other.goto(server.url)
    await waitControlled(other)
    // The second tab waits in the lock queue behind the leader.
    await expect.poll(() => leaderLock(other), { timeout: 15_000 }).toEqual({ held: 1, pending: 1 })
    expect(await engineRunning(other)).toBe(false)

    await leader.evaluate(() => window.swarmcdn!.addEventListener('optout', () => { (window as unknown as { heard: boolean }).heard = true }))
    await other.evaluate(() => window.swarmcdn!.optOut())
    // The leader tab stops without a reload: its tracker socket and peer connections close.
    await expect.poll(() => engineRunning(leader), { timeout: 3000 }).toBe(false)
    await expect.poll(() => leaderLock(other), { timeout: 3000 }).toEqual({ held: 0, pending: 0 })
    await expect.poll(async () => (await stats(seeder.page)).peers, { timeout: 10_000 }).toBe(0)
    expect(await leader.evaluate(() => window.swarmcdn!.p2pBlockedReason())).toBe('opted out')
    // The leader tab's own consent UI hears it too.
    expect(await leader.evaluate(() => (window as unknown as { heard?: boolean }).heard)).toBe(true)

    // The leader closes: a request that was queued would have been granted now.
    await leader.close()
    await other.waitForTimeout(2500)
    expect(await engineRunning(other)).toBe(false)
    expect(await leaderLock(other)).toEqual({ held: 0, pending: 0 })
    expect(late).toEqual([])
    expect((await stats(seeder.page)).peers).toBe(0)

    // Consent given again in one tab: P2P resumes there.
    await other.evaluate(() => window.swarmcdn!.optIn())
    await expect.poll(() => engineRunning(other), { timeout: 15_000 }).toBe(true)
    await context.close()
    await seeder.context.close()
  })
})

describe('connection changes', () => {
  for (const [label, change] of [
    ['Save-Data switched on', { type: 'wifi', saveData: true }],
    ['a move to a cellular link', { type: 'cellular', saveData: false }]
  ] as const) {
    it(`${label}: the engine stops; back on an unmetered link it starts again`, async () => {
      const context = await browser.newContext()
      // Chromium has no switch for these; the page sees navigator.connection and its 'change' event.
      await context.addInitScript(() => {
        const c = Object.assign(new EventTarget(), { type: 'wifi', saveData: false })
        Object.defineProperty(navigator, 'connection', { configurable: true, get: () => c })
        ;(window as unknown as { setConnection: (t: string, s: boolean) => void }).setConnection = (type, saveData) => {
          Object.assign(c, { type, saveData })
          c.dispatchEvent(new Event('change'))
        }
      })
      const page = await context.newPage()
      await page.goto(server.url)
      await waitControlled(page)
      await expect.poll(() => engineRunning(page), { timeout: 15_000 }).toBe(true)
      await expect.poll(() => server.stats().tracker.peers, { timeout: 10_000 }).toBeGreaterThan(0)
      const before = server.stats().tracker.peers
      await page.evaluate((c) => (window as unknown as { setConnection: (t: string, s: boolean) => void }).setConnection(c.type, c.saveData), change)
      await expect.poll(() => engineRunning(page), { timeout: 3000 }).toBe(false)
      expect(await leaderLock(page)).toEqual({ held: 0, pending: 0 })
      await expect.poll(() => server.stats().tracker.peers, { timeout: 10_000 }).toBeLessThan(before)
      await page.evaluate(() => (window as unknown as { setConnection: (t: string, s: boolean) => void }).setConnection('wifi', false))
      await expect.poll(() => engineRunning(page), { timeout: 15_000 }).toBe(true)
      await context.close()
    })
  }
})
