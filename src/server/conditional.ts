// The request headers `send` evaluates, corrected where send 1.x departs from
// RFC 9110. send decides every conditional and Range outcome (412, 304, 206,
// 416, HEAD); this module only rewrites the few headers it would misread, so
// that one code path answers and the answer follows the RFC:
//
// - If-Match: send compares weakly (`W/"x"` matches `"x"`); RFC 9110 13.1.1
//   requires the strong comparison, under which a weak tag matches nothing.
// - If-Range: send honours a tag that merely contains our ETag (so `W/"x"`)
//   and any date not before Last-Modified; RFC 9110 13.1.5 wants a strong,
//   exact match, else the Range is ignored.
// - Range: interpretRange (src/shared/range.ts) is the one interpretation the
//   origin and the service worker share; it fixes range-parser where the RFC
//   differs (a suffix longer than the file selects all of it, a spec whose
//   end is before its start voids the header). send is handed its result in
//   a form range-parser reads the same way. HEAD ignores Range (RFC 9110 14.2);
//   send would answer 206.
//
// Left to send as it is: If-None-Match wins over If-Modified-Since (fresh 2),
// and a request with `Cache-Control: no-cache` is answered 200 even when its
// validators match (fresh's end-to-end reload). Browsers send no-cache only on
// a hard reload, without validators; fetch's 'no-cache' mode sends max-age=0.
import type { IncomingHttpHeaders } from 'node:http'
import { interpretRange } from '../shared/range.js'

export interface Validators {
  /** Strong ETag, quoted. */
  etag: string
  /** Modification time in ms. */
  mtimeMs: number
}

/**
 * An entity-tag no response here carries (ours are `"sha256-…"`): what an
 * If-Match made only of weak tags becomes, so that send still answers 412.
 */
const MATCHES_NOTHING = '""'

/** HTTP dates carry whole seconds. */
function seconds (ms: number): number {
  return Math.floor(ms / 1000)
}

/**
 * If-Range holds when its validator still matches exactly: an ETag strongly
 * (a weak tag never does), a date equal to Last-Modified. Otherwise the whole
 * representation is sent.
 */
export function ifRangeHolds (headers: IncomingHttpHeaders, v: Validators): boolean {
  const ir = headers['if-range']
  if (ir === undefined) return true
  const value = (Array.isArray(ir) ? ir.join(',') : ir).trim()
  if (value.startsWith('"') || value.startsWith('W/')) {
    return !value.startsWith('W/') && !v.etag.startsWith('W/') && value === v.etag
  }
  const t = Date.parse(value)
  return !Number.isNaN(t) && seconds(t) === seconds(v.mtimeMs)
}

/** If-Match with its weak tags removed (they can never match strongly). */
function strongIfMatch (header: string): string {
  if (header.trim() === '*') return '*'
  const strong = header.split(',').map((t) => t.trim()).filter((t) => t !== '' && !t.startsWith('W/'))
  return strong.length > 0 ? strong.join(', ') : MATCHES_NOTHING
}

/**
 * The headers to show send for a GET or HEAD of a file of `size` bytes with
 * these validators. The request itself is left untouched.
 */
export function headersForSend (method: string, headers: IncomingHttpHeaders, v: Validators, size: number): IncomingHttpHeaders {
  const out: IncomingHttpHeaders = { ...headers }
  if (out['if-match'] !== undefined) out['if-match'] = strongIfMatch(out['if-match'])
  delete out.range
  if (method === 'GET' && headers.range !== undefined && ifRangeHolds(headers, v)) {
    const range = interpretRange(size, headers.range)
    // `bytes=size-` is unsatisfiable for range-parser as for us (416).
    if (range.kind === 'partial') out.range = `bytes=${range.start}-${range.end}`
    else if (range.kind === 'unsatisfiable') out.range = `bytes=${size}-`
  }
  return out
}
