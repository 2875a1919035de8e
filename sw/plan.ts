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
export function sliceToSpan<B extends ArrayBufferLike> (bytes: Uint8Array<B>, at: number, span: Span): Uint8Array<B> {
  const lo = Math.max(span.start, at) - at
  const hi = Math.min(span.end, at + bytes.length) - at
  return bytes.subarray(Math.max(0, lo), Math.max(0, hi))
}

/**
 * Verification units one media answer spans at most: 4 blocks of 256 KiB.
 * A player asks open-ended (`bytes=S-`) and cancels on a seek; it re-asks from
 * the first byte it lacks, so a short answer costs it nothing and bounds what
 * any source sends beyond what the player reads.
 */
export const MEDIA_WINDOW_UNITS = 4

/**
 * A player's open-ended Range on a blocked asset, answered with at most
 * MEDIA_WINDOW_UNITS units ending on a block boundary; any other plan as is.
 */
export function windowed (asset: ManifestAsset, p: Plan, rangeHeader: string | null): Plan {
  if (p.kind !== 'bytes' || !p.partial || !asset.blocks) return p
  if (!/^\s*bytes\s*=\s*\d+\s*-\s*$/i.test(rangeHeader ?? '')) return p
  const { unit } = unitsOf(asset)
  const u1 = Math.min(p.u1, p.u0 + MEDIA_WINDOW_UNITS - 1)
  const end = Math.min(asset.size, (u1 + 1) * unit)
  return { ...p, u1, span: { start: p.span.start, end }, fetch: { start: p.fetch.start, end } }
}
