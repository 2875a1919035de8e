// Back/forward cache (issue 18): a page with swarmcdn must stay eligible. It
// gives up the leader lock (held or queued) and stops its engine on pagehide,
// so the next page takes the lead; Back restores it from the cache and it
// takes the lead back, and P2P resumes. Playwright launches Chromium with
// --disable-back-forward-cache; this test launches it without.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { chromium, type Browser, type Page } from 'playwright-core'
import type { RunningServer } from '../../src/server/index.js'
import { chromiumPath, CHROMIUM_ARGS, fetchAll, makeSite, pageFetch, publishAndServe, SCRIPT_TAG, sha256, stats, visit, waitControlled, waitForPeers, waitForSeed, type Site } from './harness.js'

let browser: Browser
let site: Site
let server: RunningServer

const html = (title: string): string => `<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>${title}</title>${SCRIPT_TAG}</head><body><a href="/next.html">next</a></body></html>`

beforeAll(async () => {
  browser = await chromium.launch({ executablePath: chromiumPath(), args: CHROMIUM_ARGS, headless: true, ignoreDefaultArgs: ['--disable-back-forward-cache'] })
  site = await makeSite({ pages: { '/index.html': html('first'), '/next.html': html('next') } })
  server = await publishAndServe(site)
})
afterAll(async () => {
  await browser?.close()
  await server?.close()
  await site?.cleanup()
})

const leading = (p: Page): Promise<boolean> => p.evaluate(() => window.swarmcdn!.stats().then((s) => s.leader && s.engine?.running === true))

describe('back/forward cache', () => {
  it('Back restores the page from the cache; leadership goes to the next page and comes back; P2P resumes', async () => {
    const seeder = await visit(browser, server.url)
    await waitControlled(seeder.page)
    await fetchAll(seeder.page, site)
    await waitForSeed(seeder.page)

    const v = await visit(browser, server.url)
    const page = v.page
    // Why Chromium did not restore a page, if it did not (CDP reports it on the navigation).
    const cdp = await v.context.newCDPSession(page)
    await cdp.send('Page.enable')
    const notRestored: unknown[] = []
    cdp.on('Page.backForwardCacheNotUsed', (e) => notRestored.push(e))
    await waitControlled(page)
    await expect.poll(() => leading(page), { timeout: 15_000 }).toBe(true)
    await waitForPeers(page)
    await page.evaluate(() => {
      (window as unknown as { marker: number }).marker = 42
      addEventListener('pageshow', (e) => { if (e.persisted) (window as unknown as { restored: number }).restored = 1 })
    })

    await page.goto(new URL('/next.html', server.url).href)
    await waitControlled(page)
    // The first page gave the lock up on pagehide: this one leads now.
    await expect.poll(() => leading(page), { timeout: 15_000 }).toBe(true)

    // A restore fires pageshow, not load: wait for the commit, then for pageshow.
    await page.goBack({ waitUntil: 'commit' })
    await page.waitForFunction(() => document.readyState === 'complete')
    expect(notRestored).toEqual([])
    const restored = await page.evaluate(() => ({
      marker: (window as unknown as { marker?: number }).marker,
      restored: (window as unknown as { restored?: number }).restored,
      type: (performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming).type
    }))
    // Same JS heap as before (the marker survived), and pageshow said persisted.
    expect(restored).toEqual({ marker: 42, restored: 1, type: 'navigate' })
    await expect.poll(() => leading(page), { timeout: 15_000 }).toBe(true)
    await waitForPeers(page)
    // P2P resumes: an asset this visitor never loaded comes from the seeder.
    const r = await pageFetch(page, '/img/photo.jpg')
    expect(r.source).toBe('peer')
    expect(r.sha256).toBe(sha256(site.assets['/img/photo.jpg']!))
    expect((await stats(page)).bytesFromPeers).toBeGreaterThan(0)
    await v.context.close()
    await seeder.context.close()
  })

  it('a tab waiting in the lock queue withdraws its request on pagehide, is restored, and queues again', async () => {
    const context = await browser.newContext()
    const leader = await context.newPage()
    await leader.goto(server.url)
    await waitControlled(leader)
    await expect.poll(() => leading(leader), { timeout: 15_000 }).toBe(true)
    const page = await context.newPage()
    const cdp = await context.newCDPSession(page)
    await cdp.send('Page.enable')
    const notRestored: unknown[] = []
    cdp.on('Page.backForwardCacheNotUsed', (e) => notRestored.push(e))
    await page.goto(server.url)
    await waitControlled(page)
    const queue = (): Promise<{ held: number, pending: number }> => leader.evaluate(async () => {
      const q = await navigator.locks.query()
      const n = (l: LockInfo[] | undefined): number => (l ?? []).filter((x) => x.name === 'swarmcdn-leader').length
      return { held: n(q.held), pending: n(q.pending) }
    })
    // This tab waits behind the leader.
    await expect.poll(queue, { timeout: 15_000 }).toEqual({ held: 1, pending: 1 })
    await page.evaluate(() => addEventListener('pageshow', (e) => { if (e.persisted) (window as unknown as { restored: number }).restored = 1 }))
    // A page off this site: the next page queues for nothing, so only the hidden page could.
    await page.goto('about:blank')
    await expect.poll(queue, { timeout: 5000 }).toEqual({ held: 1, pending: 0 })
    await page.goBack({ waitUntil: 'commit' })
    await page.waitForFunction(() => (window as unknown as { restored?: number }).restored === 1, undefined, { timeout: 10_000 })
    expect(notRestored).toEqual([])
    await expect.poll(queue, { timeout: 15_000 }).toEqual({ held: 1, pending: 1 })
    // And it takes the lead when the leader closes.
    await leader.close()
    await expect.poll(() => leading(page), { timeout: 15_000 }).toBe(true)
    await context.close()
  })
})
