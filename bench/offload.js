// Offload on the reference swarm (DESIGN §4): one seeding visitor, then N−1
// visitors arriving one after another, each loading every asset. Origin bytes
// come from the origin's own counter, never from what the pages report.
import { assetBytes, fetchAllInPage, launch, makeSite, publishSite, serve, visit, waitControlled, waitForPeers, waitForSeed } from './lib.js'

/**
 * What "a visit" means here, stated in the results: a service worker never
 * controls the first page of a first visit, and an asset request never waits
 * for a peer that is not already connected. So each visitor opens the light
 * landing page (the script tag, no assets), waits until that page is
 * controlled and (except the first) connected to at least one peer, then
 * loads every asset with fetch() from that page. Every earlier visitor stays
 * open: they are the seeds.
 */
export const VISIT_DEFINITION = 'each visitor opens the landing page (script tag only), waits until controlled and (all but the first) connected to ≥ 1 peer, then fetch()es every asset from that page; earlier visitors stay open as seeds'

export async function offload (ns = [2, 4, 8]) {
  const site = await makeSite()
  const browser = await launch()
  const paths = Object.keys(site.sizes)
  const rows = []
  try {
    await publishSite(site.dir)
    for (const n of ns) {
      const origin = await serve(site.dir)
      const visitors = []
      try {
        await origin.reset()
        const sources = { peer: 0, origin: 0, cache: 0 }
        const peerWaits = []
        for (let i = 0; i < n; i++) {
          const v = await visit(browser, origin.url + 'index.html')
          visitors.push(v)
          await waitControlled(v.page)
          if (i > 0) {
            const t0 = Date.now()
            await waitForPeers(v.page)
            peerWaits.push(Date.now() - t0)
          }
          const got = await fetchAllInPage(v.page, paths)
          for (const [p, r] of Object.entries(got)) {
            if (r.length !== site.sizes[p]) throw new Error(`${p}: ${r.length} bytes, expected ${site.sizes[p]}`)
            if (i > 0) sources[r.source ?? 'none'] = (sources[r.source ?? 'none'] ?? 0) + r.length
          }
          // The next visitor arrives once this one seeds what it loaded.
          await waitForSeed(v.page)
        }
        const s = await origin.stats()
        const fromOrigin = assetBytes(s, paths)
        const demanded = n * site.total
        const offload = 1 - fromOrigin / demanded
        const ceiling = (n - 1) / n
        rows.push({
          n,
          assetBytesDemanded: demanded,
          assetBytesFromOrigin: fromOrigin,
          // Everything else the origin sent: pages, loader, SW, engine, manifest, torrent.
          otherOriginBytes: s.origin.bytesServed - fromOrigin,
          offload,
          ceiling,
          ratioToCeiling: offload / ceiling,
          laterVisitorsBytesBySource: sources,
          peerConnectMsMedian: peerWaits.sort((a, b) => a - b)[Math.floor(peerWaits.length / 2)] ?? null
        })
      } finally {
        for (const v of visitors) await v.context.close().catch(() => {})
        await origin.close()
      }
    }
  } finally {
    await browser.close()
    await site.cleanup()
  }
  return { definition: VISIT_DEFINITION, siteAssetBytes: site.total, assets: paths.length, rows }
}
