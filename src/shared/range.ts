// One Range-header interpretation for the origin server and the service worker,
// built on jshttp's range-parser (the one express/send use).
import rangeParser from 'range-parser'

export type RangeResult =
  | { kind: 'full' } // no Range header, or one we ignore (RFC 9110 allows serving 200)
  | { kind: 'partial', start: number, end: number } // inclusive end, as in Content-Range
  | { kind: 'unsatisfiable' }

/**
 * Interprets a Range header for a representation of `size` bytes.
 * - absent, malformed, or non-`bytes` units → full (200)
 * - several ranges that do not merge into one → full (200): multipart
 *   byteranges are refused cleanly by serving the whole representation
 * - a syntactically valid range entirely past the end → unsatisfiable (416)
 * - otherwise one range, its end clamped to size-1 → partial (206)
 */
export function interpretRange (size: number, header: string | null | undefined): RangeResult {
  if (header == null || header === '') return { kind: 'full' }
  if (size === 0) return /^\s*bytes=/i.test(header) ? { kind: 'unsatisfiable' } : { kind: 'full' }
  // RFC 9110 §14.1.1: a byte-range-spec whose last-pos is below its first-pos
  // makes the whole header invalid, and an invalid Range is ignored (200).
  for (const m of header.matchAll(/(\d+)\s*-\s*(\d+)/g)) {
    if (Number(m[2]) < Number(m[1])) return { kind: 'full' }
  }
  const r = rangeParser(size, header, { combine: true })
  if (r === -2) return { kind: 'full' }
  if (r === -1) return { kind: 'unsatisfiable' }
  if (r.type !== 'bytes' || r.length !== 1) return { kind: 'full' }
  const { start, end } = r[0]!
  return { kind: 'partial', start, end: Math.min(end, size - 1) }
}

export function contentRange (start: number, end: number, size: number): string {
  return `bytes ${start}-${end}/${size}`
}
