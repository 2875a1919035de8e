// Page load of the reference asset page with and without swarmcdn, side by
// side, runs alternated A/B/C/A/B/C so drift on a shared machine hits every
// variant alike; medians reported.
//
// Two figures use this:
// - No-peer overhead (DESIGN §4): the site with swarmcdn and no peers vs the
//   same pages without the script tag. Measured on a controlled page (the
//   second page view), where the SW is in the path of every asset.
// - Far origin: the origin slowed to 100 ms and 2 MB/s per response by the
//   bench's own server; a visitor joining a warm swarm vs without swarmcdn.
import { fetchAllInPage, launch, loadTiming, makeSite, median, publishSite, quantile, serve, visit, waitControlled, waitForEngine, waitForPeers, waitForSeed } from './lib.js'

/**
 * How the asset page is reached:
 * - plain:      /plain/index.html then /plain/page.html in the same tab (no script tag anywhere).
 * - plain-tab:  /plain/index.html stays open, /plain/page.html in a second tab: the
 *               baseline for swarm-tab (two tabs of one visitor share a renderer).
 * - swarm-tab:  /index.html (controlled, engine running: the leader), then /page.html
 *               opened in a second tab of the same visitor while the leader stays up.
 * - swarm-nav:  /index.html (controlled, engine running), then /page.html in the same
 *               tab: the navigation ends the leader's engine, the new page starts its
 *               own only after its load event.
 */
export const VARIANTS = ['plain', 'plain-tab', 'swarm-tab', 'swarm-nav']

/** Seconds a visitor spends on the landing page before opening the asset page. */
const LANDING_DWELL_MS = 2000

async function run (browser, base, variant, paths, needPeers) {
  const plain = variant.startsWith('plain')
  const prefix = plain ? 'plain/' : ''
  const { context, page } = await visit(browser, `${base}${prefix}index.html`)
  try {
    if (!plain) {
      await waitControlled(page)
      await waitForEngine(page)
      if (needPeers) await waitForPeers(page)
    }
    // A visitor reads the landing page for a moment before moving on; the
    // same for every variant, so the ratio compares like with like.
    await page.waitForTimeout(LANDING_DWELL_MS)
    let target = page
    if (variant.endsWith('-tab')) target = await context.newPage()
    await target.goto(`${base}${prefix}page.html`, { waitUntil: 'load' })
    const t = await loadTiming(target, paths)
    const sources = plain ? null : await target.evaluate(async (paths) => {
      const s = await window.swarmcdn.stats()
      const out = {}
      for (const p of paths) out[p] = s.assets[p]?.source ?? null
      return out
    }, paths).catch(() => null)
    if (Object.keys(t.assets).length !== paths.length) throw new Error(`${variant}: ${Object.keys(t.assets).length} of ${paths.length} assets in Resource Timing`)
    return { ...t, sources }
  } finally {
    await context.close()
  }
}

function summarize (runs, paths) {
  const out = {}
  for (const v of Object.keys(runs)) {
    const rs = runs[v]
    const durations = rs.flatMap((r) => paths.map((p) => r.assets[p].duration))
    const ttfbs = rs.flatMap((r) => paths.map((p) => r.assets[p].ttfb))
    const sourceCounts = {}
    for (const r of rs) for (const s of Object.values(r.sources ?? {})) sourceCounts[s ?? 'unknown'] = (sourceCounts[s ?? 'unknown'] ?? 0) + 1
    out[v] = {
      runs: rs.length,
      loadMsMedian: median(rs.map((r) => r.load)),
      loadMs: rs.map((r) => Math.round(r.load)),
      assetMsP50: quantile(durations, 0.5),
      assetMsP95: quantile(durations, 0.95),
      assetTtfbMsP50: quantile(ttfbs, 0.5),
      assetTtfbMsP95: quantile(ttfbs, 0.95),
      // Per asset path: median duration over runs.
      perAssetMs: Object.fromEntries(paths.map((p) => [p, Math.round(median(rs.map((r) => r.assets[p].duration)) * 10) / 10])),
      ...(Object.keys(sourceCounts).length ? { sources: sourceCounts } : {})
    }
  }
  return out
}

async function compare ({ reps, serverOpts, warmSwarm }) {
  const site = await makeSite(undefined, 1, undefined, true)
  const browser = await launch()
  const paths = Object.keys(site.sizes)
  let origin
  const seeds = []
  try {
    await publishSite(site.dir)
    origin = await serve(site.dir, serverOpts)
    if (warmSwarm) {
      const s = await visit(browser, origin.url + 'index.html')
      seeds.push(s)
      await waitControlled(s.page)
      await fetchAllInPage(s.page, paths)
      await waitForSeed(s.page)
    }
    // One throwaway round so the first measured runs do not pay cold disk and JIT.
    for (const v of VARIANTS) await run(browser, origin.url, v, paths, warmSwarm)
    const runs = Object.fromEntries(VARIANTS.map((v) => [v, []]))
    for (let i = 0; i < reps; i++) {
      for (const v of VARIANTS) runs[v].push(await run(browser, origin.url, v, paths, warmSwarm))
    }
    return summarize(runs, paths)
  } finally {
    for (const s of seeds) await s.context.close().catch(() => {})
    await origin?.close()
    await browser.close()
    await site.cleanup()
  }
}

export async function noPeerOverhead (reps = 7) {
  return overheadFigures(await compare({ reps, serverOpts: {}, warmSwarm: false }))
}

/**
 * The same no-peer comparison against an origin as far as the far-origin
 * figure's (100 ms before each first byte, 2 MB/s per response): what a
 * visitor on a real network sees, where the page waits on the network rather
 * than on the two local CPUs that loopback page loads saturate.
 */
export async function noPeerOverheadFar (reps = 5) {
  return { origin: FAR_ORIGIN, ...overheadFigures(await compare({ reps, serverOpts: FAR_ORIGIN, warmSwarm: false })) }
}

function overheadFigures (r) {
  return {
    variants: r,
    loadRatioTab: r['swarm-tab'].loadMsMedian / r['plain-tab'].loadMsMedian,
    loadRatioNav: r['swarm-nav'].loadMsMedian / r.plain.loadMsMedian,
    addedAssetP95MsTab: r['swarm-tab'].assetMsP95 - r['plain-tab'].assetMsP95,
    addedAssetP95MsNav: r['swarm-nav'].assetMsP95 - r.plain.assetMsP95,
    addedAssetP50MsTab: r['swarm-tab'].assetMsP50 - r['plain-tab'].assetMsP50,
    addedAssetP50MsNav: r['swarm-nav'].assetMsP50 - r.plain.assetMsP50
  }
}

/** The bench server's far-origin knobs: 100 ms before each first byte, 2 MB/s per response. */
export const FAR_ORIGIN = { latencyMs: 100, bandwidth: 2_000_000 }

export async function farOrigin (reps = 5) {
  const r = await compare({ reps, serverOpts: FAR_ORIGIN, warmSwarm: true })
  return {
    origin: FAR_ORIGIN,
    variants: r,
    loadRatioTab: r['swarm-tab'].loadMsMedian / r['plain-tab'].loadMsMedian,
    loadRatioNav: r['swarm-nav'].loadMsMedian / r.plain.loadMsMedian
  }
}
