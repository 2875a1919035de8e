// Issue 13 §6: a page's images, scripts and styles that no peer can send and
// the store does not hold pass through to the browser (sw/passthrough.ts):
// the worker does not answer them, so they cost the page what they would
// without swarmcdn. They are still counted as the origin's, kept from the
// HTTP cache (never a second origin request) and seeded, and a visitor with
// a peer still gets them from the peer.
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { PNG } from 'pngjs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import type { RunningServer } from '../../src/server/index.js'
import { bytes, launch, makeSite, pageFetch, publishAndServe, SCRIPT_TAG, sha256, stats, visit, waitControlled, waitForPeers, waitForSeed, type Site } from './harness.js'

/** On the asset page. */
const ASSETS = { '/css/site.css': 6_000, '/js/app.js': 40_000, '/img/a.png': 60_000, '/img/b.png': 300_000 }
/** Not on the page: what a second visitor first measures its peer on (the rate choice, issue 13 §1). */
const WARM = '/img/warm.png'
const ALL = { ...ASSETS, [WARM]: 20_000 }
const head = '<meta charset="utf-8"><link rel="icon" href="data:,">'
const PAGES: Record<string, string> = {
  '/index.html': `<!doctype html><html><head>${head}<title>landing</title>${SCRIPT_TAG}</head><body><h1>landing</h1></body></html>`,
  '/page.html': `<!doctype html><html><head>${head}<title>assets</title>${SCRIPT_TAG}<link rel="stylesheet" href="/css/site.css"></head>` +
    '<body><script src="/js/app.js"></script><img src="/img/a.png" alt=""><img src="/img/b.png" alt=""></body></html>'
}
// The same assets under other URLs (a query the manifest lookup ignores), so
// the renderer's memory cache of a page opened before cannot answer them.
PAGES['/again.html'] = PAGES['/page.html']!.replace(/\.(css|js|png)"/g, '.$1?again"')

let browser: Browser
let site: Site
let server: RunningServer
beforeAll(async () => {
  browser = await launch()
  site = await makeSite({ assets: ALL, pages: PAGES })
  // Images the browser can decode: it stops reading one it cannot, and the
  // HTTP cache then holds only its start (nothing to keep, rightly).
  for (const [path, side] of [['/img/a.png', 120], ['/img/b.png', 300]] as const) {
    const png = new PNG({ width: side, height: side })
    bytes(side * side * 4, side).copy(png.data)
    site.assets[path] = PNG.sync.write(png)
    await writeFile(join(site.dir, path), site.assets[path]!)
  }
  // A far origin, as a real visitor's is: the second visitor's rate choice then
  // clearly prefers its loopback peer.
  server = await publishAndServe(site, { latencyMs: 200 })
})
afterAll(async () => {
  await browser?.close()
  await server?.close()
  await site?.cleanup()
})

interface Seen { fromWorker: boolean, source: string | null }

/** Opens the asset page in `page` and records, per asset, whether the worker answered it and what arrived. */
async function openAssetPage (page: Page, path = 'page.html'): Promise<Record<string, Seen>> {
  const seen: Record<string, Seen> = {}
  // Not response.body(): for an image the renderer no longer holds, Playwright
  // asks the network again, which the origin's counter would count.
  page.on('response', (r) => {
    const path = new URL(r.url()).pathname
    if (path in ASSETS) seen[path] = { fromWorker: r.fromServiceWorker(), source: r.headers()['x-swarmcdn-source'] ?? null }
  })
  await page.goto(`${server.url}${path}`, { waitUntil: 'load' })
  return seen
}

describe('pass-through of a page\'s assets with no peer', () => {
  it('goes to the browser, is counted as the origin\'s, kept from the HTTP cache and then seeded to a peer', async () => {
    const a = await visit(browser, `${server.url}index.html`)
    let b: Awaited<ReturnType<typeof visit>> | null = null
    let c: Awaited<ReturnType<typeof visit>> | null = null
    try {
      await waitControlled(a.page)
      // A second tab of the same visitor, while the first leads a swarm with no peer.
      const tab = await a.context.newPage()
      const seenA = await openAssetPage(tab)
      for (const path of Object.keys(ASSETS)) {
        expect(seenA[path], path).toEqual({ fromWorker: false, source: null })
      }
      // Counted as the origin's, each once.
      await expect.poll(async () => {
        const s = await stats(tab)
        return Object.keys(ASSETS).map((p) => s.assets[p]?.source)
      }).toEqual(Object.keys(ASSETS).map(() => 'origin'))
      const total = Object.keys(ASSETS).reduce((n, p) => n + site.assets[p]!.length, 0)
      expect((await stats(tab)).bytesFromOrigin).toBe(total)
      // fetch() is always answered (a script may read its X-SwarmCDN-Source).
      expect((await pageFetch(tab, WARM)).source).toBe('origin')
      // Kept from the HTTP cache: the engine seeds every piece, and the origin
      // sent each asset exactly once.
      await waitForSeed(a.page)
      for (const p of Object.keys(ALL)) expect(server.stats().origin.byPath[p], p).toMatchObject({ requests: 1, bytes: site.assets[p]!.length })

      // A second visitor gets every one of them from A: what A kept from its
      // HTTP cache is seeded, exact, and the origin sends none of it again.
      b = await visit(browser, `${server.url}index.html`)
      await waitControlled(b.page)
      await waitForPeers(b.page)
      for (const p of Object.keys(ALL)) {
        const r = await pageFetch(b.page, p)
        expect(r.source, p).toBe('peer')
        expect(r.sha256, p).toBe(sha256(site.assets[p]!))
      }
      for (const p of Object.keys(ALL)) expect(server.stats().origin.byPath[p]?.requests, p).toBe(1)

      // A third visitor, whose swarm has peers, opens the page: nothing passes
      // through, the worker answers every asset (from whichever source its
      // rates choose).
      c = await visit(browser, `${server.url}index.html`)
      await waitControlled(c.page)
      await waitForPeers(c.page)
      const seenC = await openAssetPage(await c.context.newPage())
      for (const p of Object.keys(ASSETS)) {
        expect(seenC[p]?.fromWorker, p).toBe(true)
        expect(['peer', 'origin', 'mixed'], p).toContain(seenC[p]?.source)
      }
      expect((await stats(c.page)).bytesFromPeers).toBeGreaterThan(0)
      expect([...a.errors, ...b.errors, ...c.errors]).toEqual([])
    } finally {
      await a.context.close()
      await b?.context.close()
      await c?.context.close()
    }
  })

  it('a kept asset is answered from the store, not passed through', async () => {
    const v = await visit(browser, `${server.url}index.html`)
    try {
      await waitControlled(v.page)
      const first = await openAssetPage(await v.context.newPage())
      expect(first['/img/a.png']?.fromWorker).toBe(false)
      // Every asset of the page kept (the one not on it fetched, and kept, too).
      await pageFetch(v.page, WARM)
      await waitForSeed(v.page)
      const again = await openAssetPage(await v.context.newPage(), 'again.html')
      for (const p of Object.keys(ASSETS)) {
        expect(again[p], p).toEqual({ fromWorker: true, source: 'cache' })
      }
    } finally {
      await v.context.close()
    }
  })
})
