// Multi-page browse with churn: visitors browse pages 1 → 2 → 3 a few seconds
// each; pages ask for assets while parsing (tags) and from their own scripts;
// each visitor leaves once the visitor after next has arrived. The origin's
// own counters give the offload of pages 2–3.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser } from 'playwright-core'
import type { RunningServer } from '../../src/server/index.js'
import { assetsOfPages, writeMultipageSite } from '../../scripts/multipage-site.mjs'
import { launch, makeSite, publishAndServe, visit, type Site, type Visitor } from './harness.js'

const N = 6
/** "A few seconds" on each page. */
const DWELL_MS = 3000

async function buildSite (): Promise<Site> {
  const site = await makeSite({ assets: {}, pages: {} })
  Object.assign(site.assets, await writeMultipageSite(site.dir))
  return site
}

let browser: Browser
let site: Site
let server: RunningServer

beforeAll(async () => {
  browser = await launch()
  site = await buildSite()
  server = await publishAndServe(site)
})
afterAll(async () => {
  await browser?.close()
  await server?.close()
  await site?.cleanup()
})

describe('multi-page browse with churn', () => {
  it(`N = ${N}: pages 2–3 come from peers and cache for all but the first visitor (≥ 0.9 × ceiling)`, async () => {
    const open: Visitor[] = []
    const errors: string[] = []
    const assetsOf = assetsOfPages
    const p1 = assetsOf(['/index.html'])
    const p23 = [...assetsOf(['/page2.html', '/page3.html'])].filter((a) => !p1.has(a))
    const p23Bytes = p23.reduce((n, a) => n + site.assets[a]!.length, 0)

    const seenReq: Record<string, number> = {}
    for (let k = 0; k < N; k++) {
      // Churn: the visitor before last leaves as this one arrives.
      if (open.length >= 2) await open.shift()!.context.close()
      const v = await visit(browser, new URL('/index.html', server.url).href)
      open.push(v)
      await v.page.waitForTimeout(DWELL_MS)
      const page1Engine = process.env.SWARMCDN_DEBUG_MULTIPAGE
        ? await v.page.evaluate(() => window.swarmcdn!.stats().then((s) => { const e = s.engine; return e && { start: e.startedAt - performance.timeOrigin, ready: e.readyAt - performance.timeOrigin, firstPeer: e.firstPeerAt && e.firstPeerAt - performance.timeOrigin, prefetch: e.prefetch, pfEnd: e.prefetch.finishedAt && e.prefetch.finishedAt - performance.timeOrigin } }))
        : null
      for (const next of ['/page2.html', '/page3.html']) {
        await v.page.click(`nav a[href="${next}"]`)
        await v.page.waitForLoadState('load')
        await v.page.waitForTimeout(DWELL_MS)
      }
      errors.push(...v.errors)
      if (process.env.SWARMCDN_DEBUG_MULTIPAGE) {
        const bp = server.stats().origin.byPath
        console.log(`visitor ${k}:`, p23.filter((a) => (bp[a]?.requests ?? 0) > (seenReq[a] ?? 0)).join(' '), JSON.stringify(await v.page.evaluate(() => window.swarmcdn!.stats().then((s) => ({ pf: s.bytesPrefetched, peers: s.peers, o: s.bytesFromOrigin, c: s.bytesFromCache, p: s.bytesFromPeers })))))
        for (const a of p23) seenReq[a] = bp[a]?.requests ?? 0
        console.log('  page1 engine', JSON.stringify(page1Engine))
      }
    }
    const byPath = server.stats().origin.byPath
    const originP23 = p23.reduce((n, a) => n + (byPath[a]?.bytes ?? 0), 0)
    const offload = 1 - originP23 / (N * p23Bytes)
    const ceiling = (N - 1) / N
    console.log(`multi-page offload ${offload.toFixed(3)} (ceiling ${ceiling.toFixed(3)}, ratio ${(offload / ceiling).toFixed(3)}); origin bytes for pages 2–3: ${originP23} of ${N * p23Bytes}`)
    expect(errors).toEqual([])
    expect(offload).toBeGreaterThanOrEqual(0.9 * ceiling)
    // Every asset of pages 2–3 went to the origin at least once (the first visitor), never more than needed.
    for (const v of open) await v.context.close()
  }, 180_000)
})
