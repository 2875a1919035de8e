// Peer transfer throughput (DESIGN §4): one large asset from a seeding page to
// a leeching page through swarmcdn (engine → SW → page, verified), vs a raw
// RTCDataChannel pump between the same two pages.
import { chromiumThreadCpu, cpuByRole, fetchAllInPage, launch, median, makeSite, publishSite, serve, timedFetch, visit, waitControlled, waitForPeers, waitForSeed } from './lib.js'

export const BIG_ASSET = '/media/big.bin'
export const BIG_ASSET_BYTES = 32 * 1024 * 1024
/**
 * A small asset each leecher reads from the seeder first. A visitor whose
 * peers are not measured yet gives them a probe and the origin the rest
 * (sw/rates.ts); a visitor reading a large file has usually measured its
 * peers on the page's earlier assets, and so does the leecher here.
 */
const WARM_ASSET = '/media/warm.bin'
/** One BitTorrent block: what WebTorrent writes per piece message, so the raw pump sends the same. */
const CHUNK_BYTES = 16 * 1024
/**
 * Send windows tried for the raw pump: pause above `high`, resume at
 * bufferedamountlow (`low`). The best one is the raw figure, so it is the upper
 * bound. simple-peer (under WebTorrent) uses 64 KiB for both. Measured here, a
 * larger window is slower in this Chromium (1 MiB/256 KiB: 6–10 MB/s against
 * 23–29 MB/s at 64 KiB), so larger windows are not tried.
 */
const PUMP_WINDOWS = [[32 * 1024, 32 * 1024], [64 * 1024, 64 * 1024], [256 * 1024, 64 * 1024]]
/** Leechers timed one after another (each fresh); the best and the median are reported. */
const PEER_RUNS = 3
/**
 * A far origin: 200 ms to a first byte, 1 MB/s per response (the server
 * paces each response, so parallel Ranges would add up). On loopback the
 * origin outruns any data channel, so the SW rightly takes the asset from
 * it (sw/rates.ts) and the figure would not measure peers at all; here the
 * peers are clearly the faster source. Each run records the bytes the page
 * got from the origin (the SW's counter) and what the origin sent (its own):
 * a run where the page got origin bytes is reported, not counted as a peer
 * figure; origin bytes a hedge asked for and the peers beat stay visible.
 */
const ORIGIN = { latencyMs: 200, bandwidth: 1_000_000 }

/** Bytes this visitor's pages got from the origin through the SW. */
const pageOriginBytes = (page) => page.evaluate(async () => (await window.swarmcdn.stats()).bytesFromOrigin)

/** Sets up a raw RTCPeerConnection pair between two pages, signaling relayed through Playwright. */
async function rawPump (sender, receiver, totalBytes, chunkBytes, high, low) {
  // Non-trickle: each side's SDP carries every candidate once gathering completed.
  const setup = () => {
    window.__pc = new RTCPeerConnection({ iceServers: [] })
    window.__gathered = () => new Promise((resolve) => {
      if (window.__pc.iceGatheringState === 'complete') return resolve()
      window.__pc.addEventListener('icegatheringstatechange', () => { if (window.__pc.iceGatheringState === 'complete') resolve() })
    })
  }
  await sender.evaluate(setup)
  await receiver.evaluate(setup)
  const offer = await sender.evaluate(async () => {
    window.__dc = window.__pc.createDataChannel('pump', { ordered: true })
    window.__dc.binaryType = 'arraybuffer'
    await window.__pc.setLocalDescription(await window.__pc.createOffer())
    await window.__gathered()
    return window.__pc.localDescription.toJSON()
  })
  const received = receiver.evaluate((total) => {
    window.__done = new Promise((resolve) => {
      window.__pc.ondatachannel = (e) => {
        const dc = e.channel
        dc.binaryType = 'arraybuffer'
        let n = 0
        let t0 = null
        dc.onmessage = (m) => {
          if (t0 === null) t0 = performance.now()
          n += m.data.byteLength
          if (n >= total) resolve({ bytes: n, ms: performance.now() - t0 })
        }
      }
    })
    return true
  }, totalBytes)
  await received
  const answer = await receiver.evaluate(async (offer) => {
    await window.__pc.setRemoteDescription(offer)
    await window.__pc.setLocalDescription(await window.__pc.createAnswer())
    await window.__gathered()
    return window.__pc.localDescription.toJSON()
  }, offer)
  await sender.evaluate(async (answer) => { await window.__pc.setRemoteDescription(answer) }, answer)
  const done = receiver.evaluate(() => window.__done)
  const sent = await sender.evaluate(async ({ total, chunk, high, low }) => {
    const dc = window.__dc
    if (dc.readyState !== 'open') await new Promise((resolve) => { dc.onopen = resolve })
    dc.bufferedAmountLowThreshold = low
    const buf = new Uint8Array(chunk)
    crypto.getRandomValues(buf)
    const t0 = performance.now()
    let sent = 0
    while (sent < total) {
      if (dc.bufferedAmount > high) await new Promise((resolve) => { dc.onbufferedamountlow = resolve })
      const n = Math.min(chunk, total - sent)
      dc.send(n === chunk ? buf : buf.subarray(0, n))
      sent += n
    }
    return { ms: performance.now() - t0 }
  }, { total: totalBytes, chunk: chunkBytes, high, low })
  const r = await done
  await sender.evaluate(() => window.__pc.close())
  await receiver.evaluate(() => window.__pc.close())
  return { ...r, senderMs: sent.ms }
}

const mbps = (bytes, ms) => bytes / 1e6 / (ms / 1000)

export async function throughput () {
  const site = await makeSite({ [BIG_ASSET]: { kind: 'bin', size: BIG_ASSET_BYTES }, [WARM_ASSET]: { kind: 'bin', size: 200 * 1024 } })
  const browser = await launch()
  let origin
  const visitors = []
  try {
    await publishSite(site.dir)
    origin = await serve(site.dir, ORIGIN)
    const originBytes = async () => (await origin.stats()).origin.byPath[BIG_ASSET]?.bytes ?? 0
    const seeder = await visit(browser, origin.url + 'index.html')
    visitors.push(seeder)
    await waitControlled(seeder.page)
    await fetchAllInPage(seeder.page, [WARM_ASSET, BIG_ASSET])
    await waitForSeed(seeder.page)
    const peerRuns = []
    let leecher
    for (let i = 0; i < PEER_RUNS; i++) {
      // Only the seeder serves: the previous leecher leaves before the next arrives.
      if (leecher) { await leecher.context.close(); visitors.pop() }
      leecher = await visit(browser, origin.url + 'index.html')
      visitors.push(leecher)
      await waitControlled(leecher.page)
      await waitForPeers(leecher.page)
      await timedFetch(leecher.page, WARM_ASSET)
      const sent0 = await originBytes()
      const page0 = await pageOriginBytes(leecher.page)
      const cpu0 = chromiumThreadCpu()
      const r = await timedFetch(leecher.page, BIG_ASSET)
      const cpu = cpuByRole(cpu0, chromiumThreadCpu())
      if (r.bytes !== BIG_ASSET_BYTES || r.source !== 'peer') throw new Error(`peer transfer: ${r.bytes} bytes from ${r.source}`)
      // The header names the source a long answer starts from; the origin's counter says whether it helped.
      peerRuns.push({ ...r, MBps: mbps(r.bytes, r.ms), cpuSeconds: cpu, pageOriginBytes: await pageOriginBytes(leecher.page) - page0, originBytes: await originBytes() - sent0 })
    }
    const pure = peerRuns.filter((r) => r.pageOriginBytes === 0)
    if (!pure.length) throw new Error(`the origin delivered part of every peer run: ${peerRuns.map((r) => r.pageOriginBytes).join(', ')} bytes`)
    // The same bytes again from the leecher's verified cache: the SW's own cost without peers.
    const cached = await timedFetch(leecher.page, BIG_ASSET)
    const raws = []
    for (const [high, low] of PUMP_WINDOWS) {
      const cpu0 = chromiumThreadCpu()
      const r = await rawPump(seeder.page, leecher.page, BIG_ASSET_BYTES, CHUNK_BYTES, high, low)
      // Includes setting up the connection (a few ms of CPU).
      const cpu = cpuByRole(cpu0, chromiumThreadCpu())
      raws.push({ highBytes: high, lowBytes: low, ms: r.ms, MBps: mbps(r.bytes, r.ms), cpuSeconds: cpu })
    }
    const peerBest = Math.max(...pure.map((r) => r.MBps))
    const rawBest = Math.max(...raws.map((r) => r.MBps))
    // CPU the whole browser spent moving the 32 MiB, fastest run of each.
    const cpuOf = (runs, best) => runs.find((r) => r.MBps === best)?.cpuSeconds ?? null
    return {
      assetBytes: BIG_ASSET_BYTES,
      chunkBytes: CHUNK_BYTES,
      peerRuns,
      peerMBpsBest: peerBest,
      peerMBpsMedian: median(pure.map((r) => r.MBps)),
      peerRunsWithOrigin: peerRuns.length - pure.length,
      origin: ORIGIN,
      cache: { ...cached, MBps: mbps(cached.bytes, cached.ms) },
      raw: raws,
      rawMBpsBest: rawBest,
      ratio: peerBest / rawBest,
      cpuSecondsPeer: cpuOf(pure, peerBest),
      cpuSecondsRaw: cpuOf(raws, rawBest),
      ratioMedian: median(pure.map((r) => r.MBps)) / rawBest
    }
  } finally {
    for (const v of visitors) await v.context.close().catch(() => {})
    await origin?.close()
    await browser.close()
    await site.cleanup()
  }
}
