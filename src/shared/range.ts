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
  const r = rangeParser(size, clampSuffixes(size, header), { combine: true })
  if (r === -2) return { kind: 'full' }
  // RFC 9110 §14.2: a Range in a unit we do not support is ignored (200), even
  // when its ranges would not fit; range-parser reports -1 before the unit.
  if (r === -1) return header.slice(0, header.indexOf('=')) === 'bytes' ? { kind: 'unsatisfiable' } : { kind: 'full' }
  if (r.type !== 'bytes' || r.length !== 1) return { kind: 'full' }
  const { start, end } = r[0]!
  return { kind: 'partial', start, end: Math.min(end, size - 1) }
}

/**
 * RFC 9110 §14.1.2: a suffix longer than the representation selects all of it.
 * range-parser 1.2 computes a negative start and calls the range unsatisfiable
 * (416), so a suffix past the start is clamped to the size first.
 */
function clampSuffixes (size: number, header: string): string {
  const eq = header.indexOf('=')
  if (eq < 0) return header
  const specs = header.slice(eq + 1).split(',').map((spec) => {
    const m = /^(\s*)-(\s*)(\d+)(\s*)$/.exec(spec)
    return m && Number(m[3]) > size ? `${m[1]!}-${m[2]!}${size}${m[4]!}` : spec
  })
  return `${header.slice(0, eq + 1)}${specs.join(',')}`
}

export function contentRange (start: number, end: number, size: number): string {
  return `bytes ${start}-${end}/${size}`
}
