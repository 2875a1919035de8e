// Content-Type and Cache-Control policy for static files.
import mime from 'mime'
import { basename } from 'node:path'
import { MANIFEST_FILE } from '../shared/manifest.js'

/** The service worker script's file name (what publish copies into the site). */
export const SW_FILE = 'swarmcdn-sw.js'

const FALLBACK_TYPE = 'application/octet-stream'

function wantsCharset (type: string): boolean {
  return type.startsWith('text/') ||
    type === 'application/javascript' || type === 'application/json' || type === 'application/xml' ||
    type.endsWith('+json') || type.endsWith('+xml')
}

/**
 * Content-Type for a file. `preferred` is the manifest's type for manifest
 * assets, so the origin and the service worker (which takes the type from the
 * manifest) label the same bytes the same way. Text-like types get
 * `charset=utf-8` unless a charset is already given.
 */
export function contentTypeFor (file: string, preferred?: string): string {
  const type = preferred ?? mime.getType(file) ?? FALLBACK_TYPE
  if (/;\s*charset=/i.test(type)) return type
  const essence = type.split(';')[0]!.trim().toLowerCase()
  return wantsCharset(essence) ? `${type}; charset=utf-8` : type
}

/**
 * The service worker, the manifest and HTML must update as soon as a new
 * release is published: `no-cache` makes every use revalidate (cheap with
 * ETag → 304). Everything else may be stored but is revalidated too, because
 * asset URLs are not content-hashed by us and a stale asset would fail the new
 * manifest's integrity check.
 */
export function cacheControlFor (file: string): string {
  const name = basename(file)
  if (name === SW_FILE || name === MANIFEST_FILE || /\.html?$/i.test(name)) return 'no-cache'
  return 'public, max-age=0, must-revalidate'
}
