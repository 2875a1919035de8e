// Issue 13, in an emulated Internet (test/netns): never slower on
// residential links. Two NATed homes on 50/10 Mbit/s links: a visitor whose
// only peer sits behind a 10 Mbit/s uplink loads the page in ≤ 1.1 × the
// origin-only load + 250 ms, with a non-zero share of its bytes from that
// peer. What it takes (sw/rates.ts, sw/sources/hedged.ts,
// src/engine/urgency.ts): the SW chooses sources from measured rates, the
// origin hedges a slow peer with bounded Ranges, and the engine asks for the
// first unit of every request at once; while the peer is not measured, the
// page's burst gives it one small probe and the origin the rest at once. The
// origin never sends more than without swarmcdn. Before, the page took
// 4.4–6.1 ×, then 1.25–1.35 × the origin-only load (bench/RESULTS.md).
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { environmentUnavailable, startEnvironment, type Environment } from '../../netns/env.mjs'
import { stunAndTurn } from '../../netns/site.mjs'
import { alternatedViews, median, seed } from '../../netns/visits.mjs'

const unavailable = await environmentUnavailable()
if (unavailable !== null) console.warn(`emulated-network tests skipped: ${unavailable}`)

/**
 * Page views per variant, alternated so drift on a shared machine hits both
 * alike; the median of 3 keeps one outlier from deciding.
 */
const REPS = 3
/** Issue 13's bound: the page with a peer ≤ 1.1 × the origin-only load + 250 ms. */
const LOAD_FACTOR = 1.1
const LOAD_SLACK_MS = 250

describe.skipIf(unavailable !== null)('never slower on residential links (emulated Internet)', () => {
  let env: Environment
  beforeAll(async () => {
    env = await startEnvironment({
      homes: [
        { nat: 'cone' }, // the seeding visitor, 10 Mbit/s up
        { nat: 'cone' } // the visitor
      ],
      variants: stunAndTurn
    })
    await seed(env.browsers[0]!, env.origin.url, 'turn', env.site.paths)
  }, 120_000)
  afterAll(async () => { await env?.close() })

  it('two homes on 50/10 Mbit/s: the page with a peer loads in ≤ 1.1 × origin-only + 250 ms, some bytes from the peer', async () => {
    const { plain, swarm, plainMs, swarmMs } = await alternatedViews(env.browsers[1]!, env.origin.url, 'stun', env.site.paths, REPS, { needPeers: true, origin: env.origin })
    for (const v of [...plain, ...swarm]) expect(v.hashes).toEqual(env.site.sha256)
    const peerShare = median(swarm.map((v) => v.bytesFromPeers / (v.bytesFromPeers + v.bytesFromOrigin)))
    const figures = {
      originOnlyMs: plain.map((v) => Math.round(v.load)),
      withPeerMs: swarm.map((v) => Math.round(v.load)),
      ratio: Math.round(swarmMs / plainMs * 100) / 100,
      boundMs: Math.round(LOAD_FACTOR * plainMs + LOAD_SLACK_MS),
      peerShare: Math.round(peerShare * 100) / 100,
      // The origin's own counter per view: a hedge that sent units twice shows here.
      originAssetBytes: swarm.map((v) => v.originAssetBytes),
      sources: swarm.map((v) => v.assets),
      ends: { originOnly: plain.map((v) => v.ends), withPeer: swarm.map((v) => v.ends) }
    }
    console.log(`netns residential: ${JSON.stringify(figures)}`)
    expect(peerShare, JSON.stringify(figures)).toBeGreaterThan(0)
    // Issue 13: the origin never sends more than it would without swarmcdn.
    for (const v of swarm) expect(v.originAssetBytes, JSON.stringify(figures)).toBeLessThanOrEqual(env.site.total)
    expect(swarmMs, JSON.stringify(figures)).toBeLessThanOrEqual(LOAD_FACTOR * plainMs + LOAD_SLACK_MS)
  })
})
