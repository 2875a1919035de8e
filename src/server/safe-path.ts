// Maps a request path onto a file under the site root, refusing anything that
// could escape it. Checks happen on the decoded path, segment by segment, and
// once more on the joined result, so no encoding trick (%2e%2e, %2f, %00,
// backslashes) reaches the file system.
import { join, sep } from 'node:path'

export type SafePath =
  | { ok: true, file: string }
  | { ok: false, status: 400 | 404, reason: string }

/** Dot-files (`.git`, `.env`) are never served; RFC 8615 `.well-known` is. */
const ALLOWED_DOT_SEGMENTS = new Set(['.well-known'])

/**
 * @param root absolute, normalized site root
 * @param rawPath the path as sent (percent-encoded), starting with `/`
 */
export function resolveSafePath (root: string, rawPath: string): SafePath {
  if (!rawPath.startsWith('/')) return { ok: false, status: 400, reason: 'path must start with /' }
  let decoded: string
  try {
    decoded = decodeURIComponent(rawPath)
  } catch {
    return { ok: false, status: 400, reason: 'malformed percent-encoding' }
  }
  if (decoded.includes('\0')) return { ok: false, status: 400, reason: 'NUL in path' }
  // Browsers turn `\` into `/` before sending; a raw backslash is a Windows-style trick.
  if (decoded.includes('\\')) return { ok: false, status: 400, reason: 'backslash in path' }
  const segments = decoded.split('/')
  for (const s of segments) {
    if (s === '..') return { ok: false, status: 400, reason: 'dot-dot segment' }
    if (s.startsWith('.') && s !== '.' && !ALLOWED_DOT_SEGMENTS.has(s)) return { ok: false, status: 404, reason: 'hidden file' }
  }
  const relative = decoded.endsWith('/') ? decoded + 'index.html' : decoded
  const file = join(root, relative)
  if (file !== root && !file.startsWith(root.endsWith(sep) ? root : root + sep)) {
    return { ok: false, status: 400, reason: 'outside the site root' }
  }
  return { ok: true, file }
}

/** True when `real` (a realpath) is the root itself or inside it: catches symlinks that leave the site. */
export function isInside (realRoot: string, real: string): boolean {
  return real === realRoot || real.startsWith(realRoot.endsWith(sep) ? realRoot : realRoot + sep)
}
