// A large download with no peer online (issue 13, never slower): a 16 MiB
// asset read by fetch() in a page the SW controls, its engine up, against
// the same fetch with service workers blocked. The origin is 30 ms away (the
// server waits before each response), so the figure sees what each origin
// request's round trip costs. Pairs alternated, medians compared.
import { launch, makeSite, median, publishSite, serve, timedFetch, visit, waitControlled, waitForEngine } from './lib.js'

const ASSET = '/media/download.bin'
const ASSET_BYTES = 16 * 1024 * 1024
const ORIGIN = { latencyMs: 30 }

export async function download (pairs = 5) {
  const site = await makeSite({ [ASSET]: { kind: 'bin', size: ASSET_BYTES } })
  const browser = await launch()
  let origin
  try {
    await publishSite(site.dir)
    origin = await serve(site.dir, ORIGIN)
    const runs = { swarm: [], plain: [] }
    for (let i = 0; i < pairs; i++) {
      const a = await visit(browser, origin.url + 'index.html')
      try {
        await waitControlled(a.page)
        await waitForEngine(a.page)
        const r = await timedFetch(a.page, ASSET)
        if (r.bytes !== ASSET_BYTES || r.source !== 'origin') throw new Error(`with swarmcdn: ${r.bytes} bytes from ${r.source}`)
        runs.swarm.push(r.ms)
      } finally { await a.context.close() }
      const b = await visit(browser, origin.url + 'index.html', { serviceWorkers: 'block' })
      try {
        const r = await timedFetch(b.page, ASSET)
        if (r.bytes !== ASSET_BYTES) throw new Error(`without swarmcdn: ${r.bytes} bytes`)
        runs.plain.push(r.ms)
      } finally { await b.context.close() }
    }
    return {
      assetBytes: ASSET_BYTES,
      origin: ORIGIN,
      msWith: runs.swarm.map(Math.round),
      msWithout: runs.plain.map(Math.round),
      withMedian: median(runs.swarm),
      withoutMedian: median(runs.plain),
      ratio: median(runs.swarm) / median(runs.plain)
    }
  } finally {
    await origin?.close()
    await browser.close()
    await site.cleanup()
  }
}
