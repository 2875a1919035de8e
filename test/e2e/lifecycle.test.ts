// Leader election, persistence across reloads, consent and the kill switch.
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import type { RunningServer } from '../../src/server/index.js'
import { fetchAll, launch, makeSite, originBytes, publishAndServe, stats, visit, waitControlled, waitForPeers, waitForSeed, type Site } from './harness.js'

let browser: Browser
let site: Site
let server: RunningServer

const OPT_IN_PAGE = '<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="data:,"><script src="/swarmcdn.js" defer data-ice-servers="[]" data-opt-in></script></head><body>consent</body></html>'

beforeAll(async () => {
  browser = await launch()
  site = await makeSite({
    pages: {
      '/index.html': '<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="data:,"><script src="/swarmcdn.js" defer data-ice-servers="[]"></script></head><body>home</body></html>',
      '/consent.html': OPT_IN_PAGE
    }
  })
  server = await publishAndServe(site)
})
afterAll(async () => {
  await browser?.close()
  await server?.close()
  await site?.cleanup()
})

async function engineRunning (page: Page): Promise<boolean> {
  return page.evaluate(() => window.swarmcdn!.stats().then((s) => s.engine?.running === true))
}

describe('leader tab', () => {
  it('exactly one leader among several tabs; another takes over when it closes', async () => {
    const context = await browser.newContext()
    const tabs = [await context.newPage(), await context.newPage(), await context.newPage()]
    for (const t of tabs) { await t.goto(server.url); await waitControlled(t) }
    const leaders = async (): Promise<boolean[]> => Promise.all(tabs.filter((t) => !t.isClosed()).map((t) => t.evaluate(() => window.swarmcdn!.stats().then((s) => s.leader))))
    await expect.poll(async () => (await leaders()).filter(Boolean).length, { timeout: 15_000 }).toBe(1)
    const i = (await leaders()).indexOf(true)
    await tabs[i]!.close()
    await expect.poll(async () => (await leaders()).filter(Boolean).length, { timeout: 15_000 }).toBe(1)
    await context.close()
  })
})

describe('persistence', () => {
  it('a reload re-seeds from the verified cache without downloading again', async () => {
    const a = await visit(browser, server.url)
    await waitControlled(a.page)
    await fetchAll(a.page, site)
    await waitForSeed(a.page)
    const before = originBytes(server, Object.keys(site.assets))
    await a.page.reload()
    await waitControlled(a.page)
    await waitForSeed(a.page)
    const again = await fetchAll(a.page, site)
    for (const r of Object.values(again)) expect(r.source).toBe('cache')
    expect(originBytes(server, Object.keys(site.assets))).toBe(before)
    // And it serves a newcomer.
    const b = await visit(browser, server.url)
    await waitControlled(b.page)
    await waitForPeers(b.page)
    const got = await fetchAll(b.page, site)
    for (const r of Object.values(got)) expect(r.source).toBe('peer')
    expect(originBytes(server, Object.keys(site.assets))).toBe(before)
    await a.context.close()
    await b.context.close()
  })
})

describe('consent', () => {
  it('optOut(): no engine, no tracker traffic, remembered across reloads; optIn() restarts', async () => {
    const v = await visit(browser, server.url)
    await waitControlled(v.page)
    await expect.poll(() => engineRunning(v.page), { timeout: 15_000 }).toBe(true)
    // The engine's announce reaches the tracker a moment after it starts.
    await expect.poll(() => server.stats().tracker.peers, { timeout: 10_000 }).toBeGreaterThan(0)
    const peersBefore = server.stats().tracker.peers
    await v.page.evaluate(() => window.swarmcdn!.optOut())
    expect(await engineRunning(v.page)).toBe(false)
    await v.page.reload()
    await waitControlled(v.page)
    await v.page.waitForTimeout(2500)
    expect(await engineRunning(v.page)).toBe(false)
    expect(await v.page.evaluate(() => window.swarmcdn!.p2pBlockedReason())).toBe('opted out')
    expect(server.stats().tracker.peers).toBeLessThan(peersBefore)
    await v.page.evaluate(() => window.swarmcdn!.optIn())
    await expect.poll(() => engineRunning(v.page), { timeout: 15_000 }).toBe(true)
    await v.context.close()
  })

  it('data-opt-in: nothing until optIn()', async () => {
    const v = await visit(browser, new URL('/consent.html', server.url).href)
    await waitControlled(v.page)
    await v.page.waitForTimeout(2500)
    expect(await engineRunning(v.page)).toBe(false)
    expect(await v.page.evaluate(() => window.swarmcdn!.p2pBlockedReason())).toBe('waiting for opt-in')
    await v.page.evaluate(() => window.swarmcdn!.optIn())
    await expect.poll(() => engineRunning(v.page), { timeout: 15_000 }).toBe(true)
    await v.context.close()
  })

  for (const [label, connection, reason] of [
    ['Save-Data', { saveData: true, type: 'wifi' }, 'Save-Data'],
    ['a cellular connection', { saveData: false, type: 'cellular' }, 'cellular connection']
  ] as const) {
    it(`${label}: the engine is never loaded`, async () => {
      const context = await browser.newContext()
      // Chromium offers no switch for these; the page sees them through navigator.connection.
      await context.addInitScript((c) => {
        Object.defineProperty(navigator, 'connection', { configurable: true, get: () => ({ ...c, addEventListener () {}, removeEventListener () {} }) })
      }, connection)
      const page = await context.newPage()
      const engineLoads: string[] = []
      page.on('request', (r) => { if (r.url().includes('swarmcdn-engine.js') || r.url().includes('/announce')) engineLoads.push(r.url()) })
      await page.goto(server.url)
      await waitControlled(page)
      await page.waitForTimeout(2500)
      expect(await page.evaluate(() => window.swarmcdn!.p2pBlockedReason())).toBe(reason)
      expect(engineLoads).toEqual([])
      expect((await stats(page)).peers).toBe(0)
      await context.close()
    })
  }
})

describe('kill switch', () => {
  it('manifest flag: pages are uncontrolled after one navigation and stay so', async () => {
    const v = await visit(browser, server.url)
    await waitControlled(v.page)
    const manifestPath = join(site.dir, 'swarmcdn.json')
    const original = await readFile(manifestPath, 'utf8')
    try {
      await writeFile(manifestPath, JSON.stringify({ ...JSON.parse(original), disabled: true }))
      await v.page.goto(server.url) // the navigation on which the SW sees the flag
      await v.page.waitForTimeout(1000)
      await v.page.goto(server.url)
      expect(await v.page.evaluate(() => Boolean(navigator.serviceWorker.controller))).toBe(false)
      await v.page.waitForTimeout(1500)
      await v.page.goto(server.url)
      expect(await v.page.evaluate(async () => (await navigator.serviceWorker.getRegistrations()).length)).toBe(0)
      expect(await v.page.evaluate(() => Boolean(navigator.serviceWorker.controller))).toBe(false)
    } finally {
      await writeFile(manifestPath, original)
    }
    // Re-enabled by the site: the next page registers again.
    await v.page.goto(server.url)
    await waitControlled(v.page)
    await v.context.close()
  })

  it('disable(): this visitor is uncontrolled after one navigation', async () => {
    const v = await visit(browser, server.url)
    await waitControlled(v.page)
    await v.page.evaluate(() => window.swarmcdn!.disable())
    await v.page.goto(server.url)
    expect(await v.page.evaluate(() => Boolean(navigator.serviceWorker.controller))).toBe(false)
    await v.page.waitForTimeout(1500)
    expect(await v.page.evaluate(async () => (await navigator.serviceWorker.getRegistrations()).length)).toBe(0)
    await v.context.close()
  })
})
