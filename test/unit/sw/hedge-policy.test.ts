// What a hedged delivery decides: the windows the origin takes (from the
// back of the peers' part, or past it) and when a peer counts as late.
import { describe, expect, it, vi } from 'vitest'

vi.stubGlobal('self', { location: { href: 'https://site.test/swarmcdn-sw.js' }, registration: { scope: 'https://site.test/' } })
const { backWindow, frontWindow, HEDGE_WINDOW_UNITS, peerFinishMs, peerLateAt } = await import('../../../sw/sources/hedge-policy.js')
const rates = await import('../../../sw/rates.js')

const all = (): boolean => true

describe('backWindow', () => {
  it('takes the highest open units and leaves the peer the unit it is on', () => {
    expect(backWindow(0, 7, all, false)).toEqual([1, 7])
    // Units 5-7 are the origin's or here already.
    expect(backWindow(2, 7, (u) => u < 5, false)).toEqual([3, 4])
  })

  it('races for the peer\'s own unit only in the end game, or when the peer stayed silent', () => {
    expect(backWindow(3, 3, all, false)).toEqual([3, 3])
    expect(backWindow(0, 7, all, true)).toEqual([0, 7])
    expect(backWindow(0, 7, () => false, false)).toBeNull()
  })

  it('is bounded to HEDGE_WINDOW_UNITS', () => {
    const w = backWindow(0, 40, all, false)!
    expect(w[1] - w[0] + 1).toBe(HEDGE_WINDOW_UNITS)
    expect(w[1]).toBe(40)
  })
})

describe('frontWindow', () => {
  it('starts at the first open unit and stops at a taken one or the size', () => {
    expect(frontWindow(2, 9, (u) => u !== 2 && u !== 6, 16)).toEqual([3, 5])
    expect(frontWindow(0, 9, all, 4)).toEqual([0, 3])
    expect(frontWindow(0, 3, () => false, 4)).toBeNull()
  })
})

describe('peerFinishMs and peerLateAt', () => {
  it('a prior alone moves nothing; a silent peer past its deadline is Infinity; a sending one is projected on its own rate', () => {
    const askedAt = 1000
    const late = peerLateAt(askedAt, 100_000)
    expect(late).toBeGreaterThanOrEqual(askedAt + 2 * rates.peers.firstByteMs())
    const base = { askedAt, lateAt: late, firstAt: null, bytes: 0, left: 100_000 }
    expect(peerFinishMs({ ...base, now: askedAt + 10 })).toBeNull()
    expect(peerFinishMs({ ...base, now: late })).toBe(Infinity)
    // 50 KB in 100 ms since its first byte: 500 bytes/ms, 100 KB left → 200 ms.
    expect(peerFinishMs({ ...base, now: askedAt + 150, firstAt: askedAt + 50, bytes: 50_000 })).toBeCloseTo(200, 5)
  })
})
