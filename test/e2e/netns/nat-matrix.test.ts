// Issue 13, in an emulated Internet (test/netns): the NAT matrix that works
// today and must keep working.
// - Both visitors behind symmetric NAT (a new port per destination, as mobile
//   carriers do): no direct path exists, P2P goes through coturn's relay.
// - A visitor on a network that blocks UDP, with only STUN offered: no path
//   to any peer, so a clean origin fallback, every byte exact, and the page
//   no slower than without swarmcdn (≤ 1.1 × origin-only + 250 ms).
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { environmentUnavailable, startEnvironment, type Environment } from '../../netns/env.mjs'
import { stunAndTurn } from '../../netns/site.mjs'
import { alternatedViews, fetchEach, seed, waitControlled, waitForPeers } from '../../netns/visits.mjs'

const unavailable = await environmentUnavailable()
if (unavailable !== null) console.warn(`emulated-network tests skipped: ${unavailable}`)

/** Page views per variant, alternated; the median of 3 keeps one outlier on a loaded machine from deciding. */
const REPS = 3
const LOAD_FACTOR = 1.1
const LOAD_SLACK_MS = 250

describe.skipIf(unavailable !== null)('NAT matrix (emulated Internet)', () => {
  let env: Environment
  beforeAll(async () => {
    env = await startEnvironment({
      homes: [
        { nat: 'symmetric' }, // the seeding visitor
        { nat: 'symmetric' }, // a visitor behind another symmetric NAT
        { nat: 'cone', blockUdp: true } // a network that blocks UDP
      ],
      variants: stunAndTurn
    })
    await seed(env.browsers[0]!, env.origin.url, 'turn', env.site.paths)
  }, 120_000)
  afterAll(async () => { await env?.close() })

  it('symmetric NAT on both sides: P2P through the TURN relay, every byte exact', async () => {
    // Connectivity, not load time (test/e2e/netns/residential.test.ts holds the load bound):
    // once it has its peer, the visitor asks for the assets one at a time.
    const before = env.coturn.allocations()
    const context = await env.browsers[1]!.newContext()
    try {
      const page = await context.newPage()
      await page.goto(`${env.origin.url}turn/index.html`)
      await waitControlled(page)
      const peer = await waitForPeers(page)
      const got = await fetchEach(page, env.site.paths)
      const s = await page.evaluate(() => window.swarmcdn!.stats())
      const assets = (s as unknown as { assets: Record<string, { source: string, reason?: string }> }).assets
      const figures = {
        peers: peer.peers,
        bytesFromPeers: s.bytesFromPeers,
        bytesFromOrigin: s.bytesFromOrigin,
        bytesFromPeerWires: (s.engine as { bytesDownloaded?: number } | undefined)?.bytesDownloaded,
        sources: Object.fromEntries(env.site.paths.map((p) => [p, assets[p]?.reason ? `${got[p]!.source} (${assets[p]!.reason})` : got[p]!.source])),
        allocations: env.coturn.allocations() - before
      }
      console.log(`netns symmetric+turn: ${JSON.stringify(figures)}`)
      expect(Object.fromEntries(Object.entries(got).map(([p, g]) => [p, g.sha256]))).toEqual(env.site.sha256)
      // Two symmetric NATs leave one path: coturn's relay, allocated for it.
      expect(figures.allocations).toBeGreaterThan(0)
      expect(s.bytesFromPeers, JSON.stringify(figures)).toBeGreaterThan(0)
    } finally {
      await context.close()
    }
  })

  it('UDP blocked, STUN only: clean origin fallback, no slower than without swarmcdn', async () => {
    const visitor = env.browsers[2]!
    const { plain, swarm, plainMs, swarmMs } = await alternatedViews(visitor, env.origin.url, 'stun', env.site.paths, REPS)
    const figures = { originOnlyMs: plain.map((v) => Math.round(v.load)), withSwarmcdnMs: swarm.map((v) => Math.round(v.load)), ratio: Math.round(swarmMs / plainMs * 100) / 100, peers: swarm.map((v) => v.peers) }
    console.log(`netns udp-blocked stun-only: ${JSON.stringify(figures)}`)
    for (const v of [...plain, ...swarm]) expect(v.hashes).toEqual(env.site.sha256)
    for (const v of swarm) {
      expect(v.bytesFromPeers).toBe(0)
      expect(Object.values(v.assets).every((s) => s === 'origin'), JSON.stringify(v.assets)).toBe(true)
    }
    expect(swarmMs, JSON.stringify(figures)).toBeLessThanOrEqual(LOAD_FACTOR * plainMs + LOAD_SLACK_MS)
  })
})
