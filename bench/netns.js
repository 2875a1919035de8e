// Issue 13 in an emulated Internet (test/netns: network namespaces, NAT
// routers, tbf-shaped 50/10 Mbit/s home links, coturn, the real origin, one
// Chromium per home). Needs root and iproute2/iptables/coturn; elsewhere the
// figure says why it was skipped.
//
// - Residential seeder: a visitor whose only peer sits behind a 10 Mbit/s
//   uplink loads the asset page; its load ÷ the origin-only load of the same
//   pages without the script tag (runs alternated, medians), and the share of
//   its bytes that came from the peer.
// - First peer on a network that blocks UDP, with STUN, TURN/UDP and TURN/TCP
//   offered: ms from navigation start to the first connected peer.
//
// Alone (as root): `node bench/netns.js [--reps N] [--residential]` prints the
// figure as JSON, each page view's per-asset Resource Timing and the SW's
// deliveries (bytes by source) included; `--residential` skips the UDP row.
import { pathToFileURL } from 'node:url'
import { environmentUnavailable, startEnvironment } from '../test/netns/env.mjs'
import { RESIDENTIAL } from '../test/netns/net.mjs'
import { stunAndTurn } from '../test/netns/site.mjs'
import { alternatedViews, firstPeer, median, seed } from '../test/netns/visits.mjs'

const REPS = 3

export async function netns ({ reps = REPS, udp = true } = {}) {
  const why = await environmentUnavailable()
  if (why) return { skipped: why }
  const env = await startEnvironment({
    homes: [
      { nat: 'cone' }, // the seeding visitor
      { nat: 'cone' }, // the visitor
      ...(udp ? [{ nat: 'cone', blockUdp: true }] : []) // a network that blocks UDP
    ],
    variants: stunAndTurn
  })
  try {
    await seed(env.browsers[0], env.origin.url, 'turn', env.site.paths)
    const { plain, swarm, plainMs, swarmMs } = await alternatedViews(env.browsers[1], env.origin.url, 'stun', env.site.paths, reps, { needPeers: true, origin: env.origin })
    const first = []
    for (let i = 0; udp && i < reps; i++) first.push(await firstPeer(env.browsers[2], `${env.origin.url}turn/index.html`))
    const reached = first.filter((r) => r.ms !== null)
    return {
      link: RESIDENTIAL,
      siteBytes: env.site.total,
      residential: {
        originOnlyMs: plain.map((v) => Math.round(v.load)),
        withPeerMs: swarm.map((v) => Math.round(v.load)),
        originOnlyMsMedian: plainMs,
        withPeerMsMedian: swarmMs,
        loadRatio: swarmMs / plainMs,
        peerShareMedian: median(swarm.map((v) => v.bytesFromPeers / (v.bytesFromPeers + v.bytesFromOrigin))),
        sources: swarm.map((v) => v.assets),
        // Each asset's responseEnd per page view: which one held the load back.
        ends: { originOnly: plain.map((v) => v.ends), withPeer: swarm.map((v) => v.ends) },
        timing: { originOnly: plain.map((v) => v.timing), withPeer: swarm.map((v) => v.timing) },
        deliveries: swarm.map((v) => v.deliveries),
        // What the origin sent for each view; a swarmcdn view's excess over
        // its page's origin bytes is what the hedge sent twice.
        originAssetBytes: { originOnly: plain.map((v) => v.originAssetBytes), withPeer: swarm.map((v) => v.originAssetBytes) },
        pageOriginBytes: swarm.map((v) => v.bytesFromOrigin)
      },
      udpBlockedTurnTcp: !udp ? null : {
        firstPeerMs: first.map((r) => (r.ms === null ? null : Math.round(r.ms))),
        firstPeerMsMedian: reached.length === first.length ? median(reached.map((r) => r.ms)) : null,
        engineStartMsMedian: median(first.map((r) => r.engineStartMs ?? NaN))
      }
    }
  } finally {
    await env.close()
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const arg = (name) => { const i = process.argv.indexOf(name); return i < 0 ? null : process.argv[i + 1] }
  const r = await netns({ reps: Number(arg('--reps') ?? REPS), udp: !process.argv.includes('--residential') })
  console.log(JSON.stringify(r, null, 1))
}
