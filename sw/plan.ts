// Pure planning: what a request asks for, in bytes and in verification units.
// No I/O here, so every case is unit-tested (test/unit/sw/plan.test.ts).
import type { ManifestAsset } from '../src/shared/manifest.js'
import { interpretRange } from '../src/shared/range.js'
import { unitsCovering, unitsOf } from '../src/shared/units.js'

export interface Span { start: number, end: number } // end exclusive

export type Plan =
  /** The origin knows best how to say 416; the SW only adds the source header. */
  | { kind: 'unsatisfiable' }
  | {
    kind: 'bytes'
    /** Bytes the page gets. */
    span: Span
    /** A Range request (206), as opposed to the whole asset (200). */
    partial: boolean
    /** First and last verification unit covering the span. */
    u0: number
    u1: number
    /** Bytes asked of a peer: the whole units, so each can be verified. */
    fetch: Span
  }

export function plan (asset: ManifestAsset, rangeHeader: string | null): Plan {
  const range = interpretRange(asset.size, rangeHeader)
  if (range.kind === 'unsatisfiable') return { kind: 'unsatisfiable' }
  const span: Span = range.kind === 'partial' ? { start: range.start, end: range.end + 1 } : { start: 0, end: asset.size }
  const { unit } = unitsOf(asset)
  const [u0, u1] = unitsCovering(asset, span.start, span.end)
  return {
    kind: 'bytes',
    span,
    partial: range.kind === 'partial',
    u0,
    u1,
    fetch: { start: u0 * unit, end: Math.min(asset.size, (u1 + 1) * unit) }
  }
}

/** The part of unit bytes `bytes` (starting at asset offset `at`) that falls inside `span`. */
export function sliceToSpan (bytes: Uint8Array, at: number, span: Span): Uint8Array {
  const lo = Math.max(span.start, at) - at
  const hi = Math.min(span.end, at + bytes.length) - at
  return bytes.subarray(Math.max(0, lo), Math.max(0, hi))
}
