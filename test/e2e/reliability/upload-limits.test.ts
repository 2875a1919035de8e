// Cases 12-13: who uploads, and how much. Opted-out visitors upload nothing;
// a peer hammering a visitor with requests (including for pieces that do not
// exist) is held to data-upload-limit and data-upload-budget.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser } from 'playwright-core'
import type { RunningServer } from '../../../src/server/index.js'
import { fetchAll, launch, makeSite, publishAndServe, SCRIPT_TAG, sha256, stats, visit, waitControlled, waitForPeers, waitForSeed, type Site } from '../harness.js'
import { nodeSeeder, siteBytes, type NodeWire } from './helpers.js'

const PIECE = 16 * 1024
const LIMIT = 150_000 // bytes/s
const BUDGET = 200_000 // bytes

const page = (tag: string): string => `<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="data:,">${tag}</head><body>x</body></html>`

let browser: Browser
let site: Site
let server: RunningServer
beforeAll(async () => {
  browser = await launch()
  site = await makeSite({
    assets: { '/css/site.css': 10_000, '/js/app.js': 90_000, '/img/a.png': 400_000, '/media/v.mp4': 1_000_000 },
    seed: 71,
    pages: {
      '/index.html': page(SCRIPT_TAG),
      '/limited.html': page(`<script src="/swarmcdn.js" defer data-ice-servers="[]" data-upload-limit="${LIMIT}"></script>`),
      '/budget.html': page(`<script src="/swarmcdn.js" defer data-ice-servers="[]" data-upload-budget="${BUDGET}"></script>`)
    }
  })
  server = await publishAndServe(site)
})
afterAll(async () => {
  await browser?.close()
  await server?.close()
  await site?.cleanup()
})

describe('opted out', () => {
  it('a visitor who opted out after caching everything uploads nothing', async () => {
    const a = await visit(browser, server.url)
    await waitControlled(a.page)
    await fetchAll(a.page, site)
    await waitForSeed(a.page)
    await a.page.evaluate(() => window.swarmcdn!.optOut())
    const b = await visit(browser, server.url)
    await waitControlled(b.page)
    await b.page.waitForTimeout(2000)
    const got = await fetchAll(b.page, site)
    for (const [path, r] of Object.entries(got)) {
      expect(r.source, path).toBe('origin')
      expect(r.sha256, path).toBe(sha256(site.assets[path]!))
    }
    expect((await stats(a.page)).bytesUploaded).toBe(0)
    expect((await stats(b.page)).bytesFromPeers).toBe(0)
    await a.context.close()
    await b.context.close()
  })
})

/** Hammers every wire: a request every 5 ms for a random piece, and some for pieces past the end. */
function hammer (numPieces: number, timers: Array<ReturnType<typeof setInterval>>) {
  return (w: NodeWire): void => {
    const t = setInterval(() => {
      if (w.destroyed) { clearInterval(t); return }
      if (w.peerChoking) return
      const i = Math.random() < 0.2 ? numPieces + Math.floor(Math.random() * 1000) : Math.floor(Math.random() * numPieces)
      try { w.request(i, 0, PIECE, () => {}) } catch { /* choked meanwhile */ }
    }, 5)
    timers.push(t)
  }
}

describe('a peer hammering a visitor with requests', () => {
  for (const [label, path] of [['data-upload-limit', '/limited.html'], ['data-upload-budget', '/budget.html']] as const) {
    it(`${label} holds`, async () => {
      const a = await visit(browser, new URL(path, server.url).href)
      await waitControlled(a.page)
      await fetchAll(a.page, site)
      await waitForSeed(a.page)
      const numPieces = Math.ceil(siteBytes(site) / PIECE)
      const timers: Array<ReturnType<typeof setInterval>> = []
      const leecher = await nodeSeeder(site, server, { leech: true, onWire: hammer(numPieces, timers) })
      try {
        await waitForPeers(a.page, 1)
        const t0 = Date.now()
        const up0 = (await stats(a.page)).bytesUploaded
        await a.page.waitForTimeout(5000)
        const s = await stats(a.page)
        const seconds = (Date.now() - t0) / 1000
        const uploaded = s.bytesUploaded - up0
        // Piece bytes the hammering peer's wires received (its torrent's own
        // `downloaded` counts only the pieces it verified, not hammered blocks).
        const received = leecher.wires.reduce((n, w) => n + w.downloaded, 0)
        console.info(`${label}: uploaded ${s.bytesUploaded} B in total, ${uploaded} B over ${seconds.toFixed(1)} s; leecher received ${received} B`)
        // The hammering peer did get served (the bound below can fail).
        expect(received).toBeGreaterThan(PIECE)
        if (label === 'data-upload-limit') {
          // One second of burst on top of the rate.
          expect(uploaded).toBeLessThanOrEqual(LIMIT * (seconds + 1))
        } else {
          // The budget counts piece bytes handed to a wire; protocol messages
          // (handshakes, bitfields, haves) come on top: far less than a piece.
          expect(s.bytesUploaded).toBeLessThanOrEqual(BUDGET + PIECE)
          expect(received).toBeLessThanOrEqual(BUDGET)
        }
        expect(a.errors).toEqual([])
        // The visitor still serves its own page.
        const r = await fetchAll(a.page, site)
        for (const [p, x] of Object.entries(r)) expect(x.sha256, p).toBe(sha256(site.assets[p]!))
      } finally {
        for (const t of timers) clearInterval(t)
        await leecher.destroy()
        await a.context.close()
      }
    })
  }
})
