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
import { environmentUnavailable, startEnvironment } from '../test/netns/env.mjs'
import { RESIDENTIAL } from '../test/netns/net.mjs'
import { stunAndTurn } from '../test/netns/site.mjs'
import { alternatedViews, firstPeer, median, seed } from '../test/netns/visits.mjs'

const REPS = 3

export async function netns () {
  const why = await environmentUnavailable()
  if (why) return { skipped: why }
  const env = await startEnvironment({
    homes: [
      { nat: 'cone' }, // the seeding visitor
      { nat: 'cone' }, // the visitor
      { nat: 'cone', blockUdp: true } // a network that blocks UDP
    ],
    variants: stunAndTurn
  })
  try {
    await seed(env.browsers[0], env.origin.url, 'turn', env.site.paths)
    const { plain, swarm, plainMs, swarmMs } = await alternatedViews(env.browsers[1], env.origin.url, 'stun', env.site.paths, REPS, { needPeers: true })
    const first = []
    for (let i = 0; i < REPS; i++) first.push(await firstPeer(env.browsers[2], `${env.origin.url}turn/index.html`))
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
        ends: { originOnly: plain.map((v) => v.ends), withPeer: swarm.map((v) => v.ends) }
      },
      udpBlockedTurnTcp: {
        firstPeerMs: first.map((r) => (r.ms === null ? null : Math.round(r.ms))),
        firstPeerMsMedian: reached.length === first.length ? median(reached.map((r) => r.ms)) : null,
        engineStartMsMedian: median(first.map((r) => r.engineStartMs ?? NaN))
      }
    }
  } finally {
    await env.close()
  }
}
