// Manifest keys are URL paths exactly as a browser sends them for a file, so the
// service worker can look up `new URL(request.url).pathname` without decoding.

/**
 * Why a relative path cannot be addressed by a URL, or null when it can.
 * `\` is a path separator to the WHATWG URL parser in http(s) URLs, `?` and `#`
 * end the path, `.`/`..` segments are collapsed by it, and control characters
 * are either stripped (tab, newline) or are not something a server can name.
 */
export function unaddressableReason (segments: readonly string[]): string | null {
  for (const s of segments) {
    if (s === '') return 'empty path segment'
    if (s === '.' || s === '..') return `path segment "${s}"`
    if (s.includes('\\')) return 'backslash in name'
    if (s.includes('?')) return '"?" in name (starts a URL query)'
    if (s.includes('#')) return '"#" in name (starts a URL fragment)'
    // C0 controls (including tab and newline) and DEL.
    if (/[\u0000-\u001f\u007f]/.test(s)) return 'control character in name'
  }
  return null
}

/**
 * URL path of a file at `segments` (already validated by unaddressableReason).
 * `%` is encoded as `%25` first: a static server percent-decodes the request
 * path, so a file literally named `a%41.txt` is fetched as `/a%2541.txt`, not
 * `/a%41.txt` (which would name `aA.txt`). Everything else is left to the
 * WHATWG URL parser itself, so the key is byte for byte what a browser puts on
 * the wire: space → %20, non-ASCII → UTF-8 %XX, `-._~!$&'()*+,;=:@` kept.
 */
export function urlPathOf (segments: readonly string[]): string {
  const raw = '/' + segments.map((s) => s.replaceAll('%', '%25')).join('/')
  return new URL(raw, 'http://swarmcdn.invalid').pathname
}
