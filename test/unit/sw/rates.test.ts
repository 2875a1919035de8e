// What the SW measures of its sources: priors until bytes moved, the
// aggregate rate over busy time, projections behind the queue, and the
// peers' margin against the origin.
import { describe, expect, it } from 'vitest'
import { Meter, originClearlyFirst, PEER_FACTOR, PEER_PROBE_BYTES, PEER_SLACK_MS, peerUnits } from '../../../sw/rates.js'

function clock (): { now: () => number, advance: (ms: number) => void } {
  let t = 1000
  return { now: () => t, advance: (ms) => { t += ms } }
}

describe('Meter', () => {
  it('answers its prior until enough bytes moved, then the aggregate rate over busy time', () => {
    const c = clock()
    const m = new Meter(3, 100, c.now)
    expect(m.rate()).toBe(3)
    expect(m.measured()).toBe(false)
    expect(m.firstByteMs()).toBe(100)
    // Two transfers at once share the link: 200 KB in 200 ms is 1000 bytes/ms in all.
    const a = m.begin(100_000)
    const b = m.begin(100_000)
    expect(m.active).toBe(2)
    expect(m.queued).toBe(200_000)
    for (let i = 0; i < 10; i++) { c.advance(20); a.received(10_000); b.received(10_000) }
    a.end(); b.end()
    expect(m.active).toBe(0)
    expect(m.queued).toBe(0)
    expect(m.measured()).toBe(true)
    expect(m.rate()).toBeCloseTo(1000, 5)
    // Idle time is not busy time: the rate stays what the link did.
    c.advance(5000)
    expect(m.rate()).toBeCloseTo(1000, 5)
  })

  it('projects a request behind what is queued on the source', () => {
    const c = clock()
    const m = new Meter(2, 50, c.now)
    expect(m.finishIn(1000)).toBe(50 + 1000 / 2)
    const t = m.begin(4000)
    expect(m.finishIn(1000)).toBe(50 + 5000 / 2)
    t.received(1000)
    expect(m.finishIn(1000)).toBe(50 + 4000 / 2)
    t.end()
    expect(m.finishIn(1000)).toBe(50 + 1000 / 2)
  })

  it('a reservation is queued at once, busy only once started, and gone when cancelled', () => {
    const c = clock()
    const m = new Meter(2, 50, c.now)
    const r = m.reserve(4000)
    expect(m.queued).toBe(4000)
    expect(m.active).toBe(0)
    r.cancel()
    r.cancel()
    expect(m.queued).toBe(0)
    const t = m.reserve(4000).start()
    expect(m.queued).toBe(4000)
    expect(m.active).toBe(1)
    t.received(4000)
    t.end()
    expect(m.queued).toBe(0)
    expect(m.active).toBe(0)
  })

  it('smooths the time to first byte', () => {
    const m = new Meter(1, 100)
    m.latency(40)
    expect(m.firstByteMs()).toBe(40)
    m.latency(140)
    expect(m.firstByteMs()).toBeCloseTo(70, 5)
  })
})

describe('originClearlyFirst', () => {
  it('leaves a request to peers within the margin of issue 13 bound', () => {
    const originMs = 200
    const edge = PEER_FACTOR * originMs + PEER_SLACK_MS
    expect(originClearlyFirst(originMs, edge)).toBe(false)
    expect(originClearlyFirst(originMs, edge + 1)).toBe(true)
    expect(originClearlyFirst(originMs, 10)).toBe(false)
  })
})

describe('peerUnits', () => {
  const UNIT = 256 * 1024
  const ends = (n: number): number[] => Array.from({ length: n }, (_, i) => (i + 1) * UNIT)

  it('gives the peers what they would deliver within the margin of the origin, behind their queue', () => {
    const c = clock()
    const origin = new Meter(3000, 100, c.now)
    const peers = new Meter(3000, 100, c.now)
    // Measured peers: nothing else asked of them, equal rates: all 8 units.
    const m = peers.begin(200_000)
    for (let i = 0; i < 4; i++) { c.advance(20); m.received(50_000) }
    m.end()
    expect(peers.measured()).toBe(true)
    expect(peerUnits(ends(8), origin, peers)).toBe(8)
    // Measured at a fifth of the origin's rate (a 10 Mbit/s uplink against 50 Mbit/s): the first units only.
    const slow = new Meter(3000, 100, c.now)
    const s = slow.begin(200_000)
    for (let i = 0; i < 4; i++) { c.advance(80); s.received(50_000) }
    s.end()
    const k = peerUnits(ends(8), new Meter(3125, 30, c.now), slow)
    expect(k).toBeGreaterThan(0)
    expect(k).toBeLessThan(4)
  })

  it('before the peers are measured, a burst gives them one probe in all; a request alone is not capped', () => {
    const c = clock()
    const origin = new Meter(3000, 100, c.now)
    const peers = new Meter(3000, 100, c.now)
    // The first request of a burst (nothing asked of the peers yet): by the priors, all of it.
    expect(peerUnits(ends(2), origin, peers)).toBe(2)
    const first = peers.reserve(8_000)
    // The next requests of the burst share the probe: a small one fits, a block does not.
    expect(peerUnits([40_000], origin, peers)).toBe(1)
    const second = peers.reserve(40_000).start()
    expect(peerUnits([PEER_PROBE_BYTES - 48_000 + 1], origin, peers)).toBe(0)
    expect(peerUnits(ends(4), origin, peers)).toBe(0)
    // Once nothing is asked of them any more (one request after another), no cap.
    first.cancel(); second.end()
    expect(peerUnits(ends(2), origin, peers)).toBe(2)
  })
})
