// Pure planning: span → verification units, for whole and Range requests.
import { describe, expect, it } from 'vitest'
import type { ManifestAsset } from '../../../src/shared/manifest.js'
import { plan, sliceToSpan, windowed } from '../../../sw/plan.js'

const small: ManifestAsset = { size: 1000, type: 'text/css', integrity: 'sha256-x', offset: 0 }
const big: ManifestAsset = { size: 600_000, type: 'video/mp4', integrity: 'sha256-y', offset: 0, blockSize: 262_144, blocks: ['a', 'b', 'c'] }

describe('plan', () => {
  it('a whole small asset is one unit', () => {
    expect(plan(small, null)).toEqual({ kind: 'bytes', span: { start: 0, end: 1000 }, partial: false, u0: 0, u1: 0, fetch: { start: 0, end: 1000 } })
  })
  it('a Range of a small asset still fetches the whole unit', () => {
    const p = plan(small, 'bytes=10-19')
    expect(p).toMatchObject({ span: { start: 10, end: 20 }, partial: true, u0: 0, u1: 0, fetch: { start: 0, end: 1000 } })
  })
  it('a Range of a large asset fetches only the blocks covering it', () => {
    expect(plan(big, 'bytes=300000-300009')).toMatchObject({ u0: 1, u1: 1, fetch: { start: 262_144, end: 524_288 } })
    expect(plan(big, 'bytes=262143-524288')).toMatchObject({ u0: 0, u1: 2, fetch: { start: 0, end: 600_000 } })
    expect(plan(big, 'bytes=-10')).toMatchObject({ span: { start: 599_990, end: 600_000 }, u0: 2, u1: 2, fetch: { start: 524_288, end: 600_000 } })
  })
  it('past the end is unsatisfiable', () => {
    expect(plan(big, 'bytes=700000-')).toEqual({ kind: 'unsatisfiable' })
  })
  it('sliceToSpan keeps only the requested bytes of a unit', () => {
    const unit = new Uint8Array(100).map((_, i) => i)
    expect([...sliceToSpan(unit, 1000, { start: 1010, end: 1013 })]).toEqual([10, 11, 12])
    expect(sliceToSpan(unit, 1000, { start: 0, end: 5000 }).length).toBe(100)
  })
  it('a player\'s open-ended Range gets at most 4 blocks, ending on a block boundary', () => {
    const film: ManifestAsset = { ...big, size: 2_000_000, blocks: ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'] }
    expect(windowed(film, plan(film, 'bytes=300000-'), 'bytes=300000-')).toMatchObject({ span: { start: 300_000, end: 5 * 262_144 }, u0: 1, u1: 4, fetch: { start: 262_144, end: 5 * 262_144 } })
    expect(windowed(film, plan(film, 'bytes=1900000-'), 'bytes=1900000-')).toMatchObject({ span: { start: 1_900_000, end: 2_000_000 }, u1: 7 })
  })
  it('explicit ranges, whole requests and small assets are not windowed', () => {
    const film: ManifestAsset = { ...big, size: 2_000_000, blocks: ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'] }
    expect(windowed(film, plan(film, 'bytes=0-1999999'), 'bytes=0-1999999')).toMatchObject({ span: { start: 0, end: 2_000_000 } })
    expect(windowed(film, plan(film, null), null)).toMatchObject({ span: { start: 0, end: 2_000_000 } })
    expect(windowed(small, plan(small, 'bytes=0-'), 'bytes=0-')).toMatchObject({ span: { start: 0, end: 1000 } })
  })
})
