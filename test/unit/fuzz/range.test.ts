// Fuzz of interpretRange (the one Range interpretation for origin and SW)
// against a reference written straight from RFC 9110 §14: no input throws, no
// 206 is ever outside the representation, and every answer agrees.
import { describe, expect, it } from 'vitest'
import { interpretRange, type RangeResult } from '../../../src/shared/range.js'
import { int, pick, prng } from './prng.js'

const ITERATIONS = 20_000

/**
 * RFC 9110 §14.1-14.2, the choices swarmcdn makes where it may choose:
 * another unit, a malformed header or several ranges that do not merge → 200
 * (the whole representation); a valid byte range set none of whose ranges is
 * satisfiable → 416; one range (after merging overlapping or adjacent ones) →
 * 206. A suffix longer than the representation selects all of it (§14.1.2).
 */
function reference (size: number, header: string | null): RangeResult {
  if (header === null || header === '') return { kind: 'full' }
  const eq = header.indexOf('=')
  if (eq < 0) return { kind: 'full' }
  const unit = header.slice(0, eq)
  if (size === 0) return /^\s*bytes$/i.test(unit) ? { kind: 'unsatisfiable' } : { kind: 'full' }
  const ranges: Array<[number, number]> = []
  let satisfiable = false
  for (const spec of header.slice(eq + 1).split(',')) {
    const m = /^\s*(\d*)\s*-\s*(\d*)\s*$/.exec(spec)
    if (!m || (m[1] === '' && m[2] === '')) return { kind: 'full' }
    if (m[1] !== '' && m[2] !== '' && Number(m[2]) < Number(m[1])) return { kind: 'full' }
    let start: number
    let end: number
    if (m[1] === '') {
      const n = Number(m[2])
      if (n === 0) continue
      start = Math.max(0, size - n)
      end = size - 1
    } else {
      start = Number(m[1])
      end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1)
    }
    if (start > end) continue
    satisfiable = true
    ranges.push([start, end])
  }
  if (unit !== 'bytes') return { kind: 'full' }
  if (!satisfiable) return { kind: 'unsatisfiable' }
  ranges.sort((x, y) => x[0] - y[0])
  const merged: Array<[number, number]> = []
  for (const r of ranges) {
    const last = merged[merged.length - 1]
    if (last && r[0] <= last[1] + 1) last[1] = Math.max(last[1], r[1])
    else merged.push([...r])
  }
  if (merged.length !== 1) return { kind: 'full' }
  return { kind: 'partial', start: merged[0]![0], end: merged[0]![1] }
}

function randomHeader (rnd: () => number, size: number): string | null {
  const r = rnd()
  if (r < 0.03) return null
  if (r < 0.06) return ''
  const num = (): string => {
    const k = rnd()
    if (k < 0.4) return String(int(rnd, 0, Math.max(0, size + 2)))
    if (k < 0.6) return String(int(rnd, 0, 10))
    if (k < 0.75) return String(size - int(rnd, -2, 2))
    if (k < 0.85) return '9'.repeat(int(rnd, 1, 25))
    return ''
  }
  const sp = (): string => (rnd() < 0.15 ? pick(rnd, [' ', '  ', '\t']) : '')
  const spec = (): string => {
    if (rnd() < 0.05) return pick(rnd, ['abc', '-', '--', '1-2-3', '+1-2', '0x10-', '1e3-', ' ', '½-'])
    return `${sp()}${num()}${sp()}-${sp()}${num()}${sp()}`
  }
  const unit = rnd() < 0.85 ? 'bytes' : pick(rnd, ['Bytes', 'BYTES', 'items', 'bytes ', '', 'none'])
  const specs = Array.from({ length: rnd() < 0.8 ? 1 : int(rnd, 2, 4) }, spec)
  const sep = rnd() < 0.97 ? '=' : pick(rnd, [':', ' = ', ''])
  return `${unit}${sep}${specs.join(rnd() < 0.9 ? ',' : ', ')}`
}

describe('interpretRange fuzz', () => {
  it(`${ITERATIONS} random headers: never throws, every 206 inside the asset, agrees with the RFC reference`, () => {
    const rnd = prng(0x5eed)
    for (let i = 0; i < ITERATIONS; i++) {
      const size = pick(rnd, [0, 1, 2, 10, 100, 16_384, 1_000_000, int(rnd, 0, 5000)])
      const header = randomHeader(rnd, size)
      const where = `#${i} size=${size} header=${JSON.stringify(header)}`
      let got: RangeResult
      try { got = interpretRange(size, header) } catch (err) { throw new Error(`${where} threw ${String(err)}`) }
      if (got.kind === 'partial') {
        expect(Number.isSafeInteger(got.start) && Number.isSafeInteger(got.end), where).toBe(true)
        expect(0 <= got.start && got.start <= got.end && got.end < size, where).toBe(true)
      }
      expect(got, where).toEqual(reference(size, header))
    }
  })

  it('known cases', () => {
    expect(interpretRange(100, 'bytes=-1000')).toEqual({ kind: 'partial', start: 0, end: 99 })
    expect(interpretRange(100, 'bytes=-0')).toEqual({ kind: 'unsatisfiable' })
    expect(interpretRange(100, 'items=200-')).toEqual({ kind: 'full' })
    expect(interpretRange(100, 'bytes=0-0,2-3')).toEqual({ kind: 'full' })
    expect(interpretRange(100, 'bytes=0-1,2-3')).toEqual({ kind: 'partial', start: 0, end: 3 })
  })
})
