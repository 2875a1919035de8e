// Case 11: storage quota exhausted, and storage wiped while running (CDP
// Storage.overrideQuotaForOrigin / Storage.clearDataForOrigin). Errors are
// caught, the origin keeps serving, nothing is seeded from what is gone.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser } from 'playwright-core'
import type { RunningServer } from '../../../src/server/index.js'
import { fetchAll, launch, makeSite, publishAndServe, sha256, stats, visit, waitControlled, waitForSeed, type Site } from '../harness.js'
import { cachedDigests } from './helpers.js'

let browser: Browser
let site: Site
let server: RunningServer
let origin: string
beforeAll(async () => {
  browser = await launch()
  site = await makeSite({ assets: { '/css/site.css': 10_000, '/js/app.js': 60_000, '/img/a.png': 300_000, '/media/v.mp4': 900_000 }, seed: 101 })
  server = await publishAndServe(site)
  origin = new URL(server.url).origin
})
afterAll(async () => {
  await browser?.close()
  await server?.close()
  await site?.cleanup()
})

describe('storage', () => {
  it('quota exhausted: every asset from the origin, exact, twice; no errors; nothing seeded that is not stored', async () => {
    const context = await browser.newContext()
    const page = await context.newPage()
    const errors: string[] = []
    page.on('pageerror', (e) => errors.push(e.message))
    page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()) })
    const cdp = await context.newCDPSession(page)
    // 20 KB: the small stylesheet may fit, nothing else does.
    await cdp.send('Storage.overrideQuotaForOrigin', { origin, quotaSize: 20_000 })
    await page.goto(server.url)
    await waitControlled(page)
    for (let round = 0; round < 2; round++) {
      const got = await fetchAll(page, site)
      for (const [path, r] of Object.entries(got)) {
        expect(r.status, path).toBe(200)
        expect(r.sha256, path).toBe(sha256(site.assets[path]!))
        if (path !== '/css/site.css') expect(r.source, `${path} round ${round}`).toBe('origin')
      }
    }
    await page.waitForTimeout(1000)
    const stored = await cachedDigests(page)
    expect(stored.reduce((n, e) => n + e.size, 0)).toBeLessThanOrEqual(20_000)
    const s = await stats(page)
    if (s.engine) expect(s.engine.piecesHeld * 16 * 1024).toBeLessThanOrEqual(20_000 + 2 * 16 * 1024)
    expect(errors).toEqual([])
    await context.close()
  })

  it('wiped while running: the origin serves again, exact; after a reload nothing is seeded', async () => {
    const a = await visit(browser, server.url)
    await waitControlled(a.page)
    await fetchAll(a.page, site)
    await waitForSeed(a.page)
    expect((await cachedDigests(a.page)).length).toBeGreaterThanOrEqual(Object.keys(site.assets).length)
    const cdp = await a.context.newCDPSession(a.page)
    await cdp.send('Storage.clearDataForOrigin', { origin, storageTypes: 'cache_storage,indexeddb' })
    expect((await cachedDigests(a.page)).filter((e) => e.url.includes('/__swarmcdn/blob/'))).toEqual([])
    // Still running: every asset exact (origin, or the engine's verified pieces in memory).
    const got = await fetchAll(a.page, site)
    for (const [path, r] of Object.entries(got)) {
      expect(r.status, path).toBe(200)
      expect(r.sha256, path).toBe(sha256(site.assets[path]!))
      expect(r.source, path).not.toBe('cache')
    }
    // Wiped again, then reloaded: the engine finds nothing to seed.
    await a.page.waitForTimeout(1000)
    await cdp.send('Storage.clearDataForOrigin', { origin, storageTypes: 'cache_storage,indexeddb' })
    await a.page.reload()
    await waitControlled(a.page)
    await a.page.waitForFunction(() => window.swarmcdn!.stats().then((s) => s.engine?.running === true), undefined, { timeout: 15_000 })
    await a.page.waitForTimeout(1500)
    expect((await stats(a.page)).engine.piecesHeld).toBe(0)
    expect(a.errors).toEqual([])
    await a.context.close()
  })
})
