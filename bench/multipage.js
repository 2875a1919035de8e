// Multi-page browse with churn (DESIGN §4): a 3-page site whose pages ask for
// their assets while parsing (img/link/script tags) and from their own scripts
// (fetch() of JSON, new Image()); pages link 1 → 2 → 3. N visitors, each a
// fresh browser context, browse page 1 → 2 → 3 with DWELL_MS on each; each
// visitor leaves (context closed) once the visitor after next has arrived.
// Offload of pages 2–3 from the origin's own per-path counter.
// The same scenario as test/e2e/multipage.test.ts, as a measured figure.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { assetsOfPages, writeMultipageSite } from '../scripts/multipage-site.mjs'
import { assetBytes, launch, median, publishSite, serve } from './lib.js'

const N = 6
/** "A few seconds" on each page. */
const DWELL_MS = 3000

export const MULTIPAGE_DEFINITION = `N = ${N} visitors, each a fresh context, open page 1 and browse 1 → 2 → 3 by clicking links, ${DWELL_MS / 1000} s on each page; visitor k's context is closed right after visitor k+2 has arrived (its page 1 loaded); offload = 1 − origin bytes of the page-2/3 assets page 1 does not use / (N × their bytes)`

/** Writes the site into a fresh temp folder; returns { dir, sizes (asset path → bytes), cleanup }. */
async function buildSite () {
  const dir = await mkdtemp(join(tmpdir(), 'swarmcdn-bench-mp-'))
  const assets = await writeMultipageSite(dir)
  const sizes = Object.fromEntries(Object.entries(assets).map(([p, b]) => [p, b.length]))
  return { dir, sizes, cleanup: () => rm(dir, { recursive: true, force: true }) }
}

const assetsOf = assetsOfPages

/** The page-1 engine's timeline, in ms after the page's navigation start (null: not (yet) happened). */
function engineTimeline (page) {
  return page.evaluate(async () => {
    const s = await window.swarmcdn.stats()
    const e = s.engine
    const rel = (t) => (typeof t === 'number' ? t - performance.timeOrigin : null)
    return {
      peers: s.peers,
      engine: Boolean(e),
      startedMs: rel(e?.startedAt),
      firstPeerMs: rel(e?.firstPeerAt),
      prefetchFinishedMs: rel(e?.prefetch?.finishedAt),
      prefetch: e?.prefetch ?? null
    }
  })
}

export async function multipage () {
  const site = await buildSite()
  const browser = await launch()
  const p1 = assetsOf(['/index.html'])
  const p23 = [...assetsOf(['/page2.html', '/page3.html'])].filter((a) => !p1.has(a))
  const p23Bytes = p23.reduce((n, a) => n + site.sizes[a], 0)
  const visitors = []
  const open = []
  let origin
  try {
    await publishSite(site.dir)
    origin = await serve(site.dir)
    await origin.reset()
    const seenReq = {}
    for (let k = 0; k < N; k++) {
      const context = await browser.newContext()
      const page = await context.newPage()
      const errors = []
      page.on('pageerror', (e) => errors.push(e.message))
      page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()) })
      await page.goto(origin.url + 'index.html')
      open.push({ context })
      // Churn: the visitor before last leaves once this one has arrived.
      if (open.length > 2) await open.shift().context.close()
      await page.waitForTimeout(DWELL_MS)
      const page1Engine = await engineTimeline(page)
      const loads = {}
      for (const next of ['/page2.html', '/page3.html']) {
        await page.click(`nav a[href="${next}"]`)
        await page.waitForLoadState('load')
        loads[next] = await page.evaluate(() => performance.getEntriesByType('navigation')[0]?.loadEventStart ?? null)
        await page.waitForTimeout(DWELL_MS)
      }
      const s = await page.evaluate(() => window.swarmcdn.stats()).catch(() => null)
      const byPath = (await origin.stats()).origin.byPath
      const fromOrigin = p23.filter((a) => (byPath[a]?.requests ?? 0) > (seenReq[a] ?? 0))
      for (const a of p23) seenReq[a] = byPath[a]?.requests ?? 0
      visitors.push({
        visitor: k,
        page1Engine,
        loadMs: Object.fromEntries(Object.entries(loads).map(([p, t]) => [p, t === null ? null : Math.round(t)])),
        page23AssetsFromOrigin: fromOrigin,
        // The page-3 view's own counters (this page only).
        page3Stats: s && { peers: s.peers, bytesFromOrigin: s.bytesFromOrigin, bytesFromCache: s.bytesFromCache, bytesFromPeers: s.bytesFromPeers, bytesPrefetched: s.bytesPrefetched },
        errors
      })
    }
    const st = await origin.stats()
    const originP23 = assetBytes(st, p23)
    const offload = 1 - originP23 / (N * p23Bytes)
    const ceiling = (N - 1) / N
    const later = visitors.slice(1).map((v) => v.page1Engine)
    const got = (key) => later.map((e) => e[key]).filter((x) => typeof x === 'number')
    return {
      definition: MULTIPAGE_DEFINITION,
      n: N,
      dwellMs: DWELL_MS,
      page23Assets: p23,
      page23AssetBytes: p23Bytes,
      assetBytesDemanded: N * p23Bytes,
      assetBytesFromOrigin: originP23,
      offload,
      ceiling,
      ratioToCeiling: offload / ceiling,
      goal: 0.9,
      // Visitors after the first, page-1 engine, ms after page 1's navigation start.
      page1EngineLaterVisitors: {
        startedMsMedian: median(got('startedMs')),
        firstPeerMsMedian: median(got('firstPeerMs')),
        prefetchFinishedMsMedian: median(got('prefetchFinishedMs')),
        withPeer: got('firstPeerMs').length,
        prefetchFinished: got('prefetchFinishedMs').length,
        of: later.length
      },
      pageErrors: visitors.reduce((n, v) => n + v.errors.length, 0),
      visitors
    }
  } finally {
    for (const v of open) await v.context.close().catch(() => {})
    await browser.close()
    await origin?.close()
    await site.cleanup()
  }
}
