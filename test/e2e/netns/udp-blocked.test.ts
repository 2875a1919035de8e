// Issue 13 §4, in an emulated Internet (test/netns): offers go out within
// about a second even where UDP is blocked. bittorrent-tracker builds peers
// with `trickle: false`, so an offer waits for ICE gathering; STUN and
// TURN/UDP answers that a network drops used to hold it for simple-peer's
// 5 s ICE-complete timeout (fastIceOffers in src/engine/patches/).
// - A visitor on a network that blocks UDP, with TURN over TCP offered: its
//   first peer ≤ 1.5 s after navigation, and bytes from it through the relay.
// - The control: a visitor behind a cone NAT with STUN only still reaches the
//   peer (its offer must still carry the server-reflexive candidate).
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { environmentUnavailable, startEnvironment, type Environment } from '../../netns/env.mjs'
import { stunAndTurn } from '../../netns/site.mjs'
import { fetchEach, firstPeer, median, seed, waitControlled, waitForPeers } from '../../netns/visits.mjs'

const unavailable = await environmentUnavailable()
if (unavailable !== null) console.warn(`emulated-network tests skipped: ${unavailable}`)

/** New visitors per case; the median of 3 keeps one outlier on a loaded machine from deciding. */
const REPS = 3
/** Issue 13 / DESIGN §4: first peer ≤ 1.5 s after navigation on a UDP-blocked network with TURN over TCP. */
const FIRST_PEER_MS = 1500

describe.skipIf(unavailable !== null)('UDP-blocked networks reach peers within a second or so (emulated Internet)', () => {
  let env: Environment
  beforeAll(async () => {
    env = await startEnvironment({
      homes: [
        { nat: 'cone' }, // the seeding visitor
        { nat: 'cone', blockUdp: true }, // a network that blocks UDP
        { nat: 'cone' } // the control visitor
      ],
      variants: stunAndTurn
    })
    await seed(env.browsers[0]!, env.origin.url, 'turn', env.site.paths)
  }, 120_000)
  afterAll(async () => { await env?.close() })

  it('UDP blocked, TURN over TCP offered: first peer ≤ 1.5 s after navigation', async () => {
    const runs = []
    for (let i = 0; i < REPS; i++) runs.push(await firstPeer(env.browsers[1]!, `${env.origin.url}turn/index.html`))
    const figures = { firstPeerMs: runs.map((r) => r.ms === null ? null : Math.round(r.ms)), engineStartMs: runs.map((r) => r.engineStartMs === null ? null : Math.round(r.engineStartMs)) }
    console.log(`netns udp-blocked turn/tcp: ${JSON.stringify(figures)}`)
    expect(runs.every((r) => r.ms !== null), JSON.stringify(figures)).toBe(true)
    expect(median(runs.map((r) => r.ms!)), JSON.stringify(figures)).toBeLessThanOrEqual(FIRST_PEER_MS)
  })

  it('UDP blocked, TURN over TCP: the peer delivers exact bytes through the relay', async () => {
    const before = env.coturn.allocations()
    const context = await env.browsers[1]!.newContext()
    try {
      const page = await context.newPage()
      await page.goto(`${env.origin.url}turn/index.html`)
      await waitControlled(page)
      await waitForPeers(page)
      const got = await fetchEach(page, env.site.paths)
      const s = await page.evaluate(() => window.swarmcdn!.stats())
      const figures = { bytesFromPeers: s.bytesFromPeers, bytesFromOrigin: s.bytesFromOrigin, sources: Object.fromEntries(env.site.paths.map((p) => [p, got[p]!.source])), allocations: env.coturn.allocations() - before }
      console.log(`netns udp-blocked delivery: ${JSON.stringify(figures)}`)
      expect(Object.fromEntries(Object.entries(got).map(([p, g]) => [p, g.sha256]))).toEqual(env.site.sha256)
      // No UDP leaves this home: the only path is a relay allocated over TCP.
      expect(figures.allocations).toBeGreaterThan(0)
      expect(s.bytesFromPeers, JSON.stringify(figures)).toBeGreaterThan(0)
    } finally {
      await context.close()
    }
  })

  it('cone NAT, STUN only (UDP passes): the first peer is still reached', async () => {
    const runs = []
    for (let i = 0; i < REPS; i++) runs.push(await firstPeer(env.browsers[2]!, `${env.origin.url}stun/index.html`))
    const figures = { firstPeerMs: runs.map((r) => r.ms === null ? null : Math.round(r.ms)), engineStartMs: runs.map((r) => r.engineStartMs === null ? null : Math.round(r.engineStartMs)) }
    console.log(`netns cone stun: ${JSON.stringify(figures)}`)
    // Across two NATs without a relay, only an offer that carries the
    // server-reflexive candidate connects: a cut-short gathering would fail here.
    // Its time is reported, not bound: issue 13's 1.5 s is the UDP-blocked target.
    expect(runs.every((r) => r.ms !== null), JSON.stringify(figures)).toBe(true)
  })
})
