// Conditional request evaluation (RFC 9110 section 13) for static files.
import type { IncomingHttpHeaders } from 'node:http'

export interface Validators {
  /** Strong ETag, quoted. */
  etag: string
  /** Modification time in ms. */
  mtimeMs: number
}

function opaque (tag: string): string {
  const t = tag.trim()
  return t.startsWith('W/') ? t.slice(2) : t
}

/** If-None-Match uses weak comparison: `W/"x"` matches `"x"`. */
function noneMatchHits (header: string, etag: string): boolean {
  if (header.trim() === '*') return true
  const mine = opaque(etag)
  return header.split(',').some((t) => opaque(t) === mine)
}

/** HTTP dates carry whole seconds. */
function seconds (ms: number): number {
  return Math.floor(ms / 1000)
}

/** If-Match uses strong comparison: a weak tag on either side never matches. */
function matchHits (header: string, etag: string): boolean {
  if (header.trim() === '*') return true
  if (etag.startsWith('W/')) return false
  return header.split(',').some((t) => t.trim() === etag)
}

/**
 * True when the request's preconditions fail (412, RFC 9110 13.2.2 steps 1-2):
 * If-Match with no strongly matching tag, or, without If-Match, an
 * If-Unmodified-Since older than the file. An unparseable date is ignored.
 */
export function preconditionFails (headers: IncomingHttpHeaders, v: Validators): boolean {
  const im = headers['if-match']
  if (im !== undefined) return !matchHits(im, v.etag)
  const ius = headers['if-unmodified-since']
  if (ius !== undefined) {
    const t = Date.parse(ius)
    if (!Number.isNaN(t)) return seconds(v.mtimeMs) > seconds(t)
  }
  return false
}

/**
 * True when a GET/HEAD should be answered 304. If-None-Match wins over
 * If-Modified-Since when both are present (RFC 9110 13.2.2).
 */
export function isNotModified (headers: IncomingHttpHeaders, v: Validators): boolean {
  const inm = headers['if-none-match']
  if (inm !== undefined) return noneMatchHits(inm, v.etag)
  const ims = headers['if-modified-since']
  if (ims !== undefined) {
    const t = Date.parse(ims)
    if (!Number.isNaN(t)) return seconds(v.mtimeMs) <= seconds(t)
  }
  return false
}

/**
 * If-Range: the Range applies only if the validator still matches. An ETag
 * must match strongly (a weak tag never does); a date must equal
 * Last-Modified exactly. Anything else means "send the whole thing".
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
