// Case 8: the tracker (and origin) restarting while visitors are open, and
// WebRTC unavailable. (Tracker unreachable and service workers blocked are in
// fallback.test.ts.)
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser } from 'playwright-core'
import { startServer, type RunningServer } from '../../../src/server/index.js'
import { fetchAll, launch, makeSite, pageFetch, publishAndServe, sha256, stats, visit, waitControlled, waitForPeers, waitForSeed, type Site } from '../harness.js'

let browser: Browser
let site: Site
beforeAll(async () => {
  browser = await launch()
  site = await makeSite({ assets: { '/css/site.css': 10_000, '/js/app.js': 60_000, '/img/a.png': 200_000, '/img/b.png': 150_000 }, seed: 81 })
})
afterAll(async () => {
  await browser?.close()
  await site?.cleanup()
})

/** Chromium's own log lines for a refused WebSocket or a failed load are not ours. */
const chromiumNoise = /WebSocket connection to .* failed|Failed to load resource/

describe('tracker and origin restarting', () => {
  it('peers already connected keep serving while it is down; the site works after the restart', async () => {
    let server: RunningServer = await publishAndServe(site)
    const port = server.port
    try {
      const a = await visit(browser, server.url)
      await waitControlled(a.page)
      await pageFetch(a.page, '/css/site.css')
      await pageFetch(a.page, '/img/a.png')
      await pageFetch(a.page, '/img/b.png')
      const b = await visit(browser, server.url)
      await waitControlled(b.page)
      await waitForPeers(b.page, 1)
      await server.close()
      // Origin and tracker down: what A holds still comes from A, verified.
      const r = await pageFetch(b.page, '/img/a.png')
      expect(r.source).toBe('peer')
      expect(r.sha256).toBe(sha256(site.assets['/img/a.png']!))
      expect((await stats(b.page)).peers).toBeGreaterThanOrEqual(1)
      server = await startServer({ dir: site.dir, port, quiet: true })
      // Back: what no peer holds comes from the origin again, exact.
      const js = await pageFetch(b.page, '/js/app.js')
      expect(js.status).toBe(200)
      expect(js.sha256).toBe(sha256(site.assets['/js/app.js']!))
      // The visitors announce again within seconds (not bittorrent-tracker's
      // 10 s + up to 5 min), so a newcomer after the restart finds them.
      await expect.poll(() => server.stats().tracker.peers, { timeout: 20_000 }).toBeGreaterThanOrEqual(2)
      const c = await visit(browser, server.url)
      await waitControlled(c.page)
      await waitForPeers(c.page, 1)
      const got = await fetchAll(c.page, site)
      for (const [path, x] of Object.entries(got)) expect(x.sha256, path).toBe(sha256(site.assets[path]!))
      expect(got['/img/a.png']!.source).toMatch(/^(peer|cache)$/)
      for (const v of [a, b, c]) expect(v.errors.filter((e) => !chromiumNoise.test(e))).toEqual([])
      await a.context.close()
      await b.context.close()
      await c.context.close()
    } finally {
      await server.close()
    }
  })
})

describe('WebRTC unavailable', () => {
  it('no RTCPeerConnection: no engine, every asset from the origin, no errors', async () => {
    const server = await publishAndServe(site)
    try {
      // A seeder exists: without WebRTC the visitor must not even try it.
      const a = await visit(browser, server.url)
      await waitControlled(a.page)
      await fetchAll(a.page, site)
      await waitForSeed(a.page)
      const context = await browser.newContext()
      await context.addInitScript(() => {
        for (const k of ['RTCPeerConnection', 'webkitRTCPeerConnection', 'RTCDataChannel', 'RTCSessionDescription', 'RTCIceCandidate']) {
          delete (window as unknown as Record<string, unknown>)[k]
        }
      })
      const page = await context.newPage()
      const errors: string[] = []
      const engineLoads: string[] = []
      page.on('pageerror', (e) => errors.push(e.message))
      page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()) })
      page.on('request', (r) => { if (r.url().includes('swarmcdn-engine.js')) engineLoads.push(r.url()) })
      await page.goto(server.url)
      await waitControlled(page)
      await page.waitForTimeout(2000)
      expect(await page.evaluate(() => window.swarmcdn!.p2pBlockedReason())).toBe('no WebRTC')
      const got = await fetchAll(page, site)
      for (const [path, r] of Object.entries(got)) {
        expect(r.status, path).toBe(200)
        expect(r.source, path).toBe('origin')
        expect(r.sha256, path).toBe(sha256(site.assets[path]!))
      }
      expect(engineLoads).toEqual([])
      expect((await stats(page)).peers).toBe(0)
      expect(errors).toEqual([])
      await context.close()
      await a.context.close()
    } finally {
      await server.close()
    }
  })
})
