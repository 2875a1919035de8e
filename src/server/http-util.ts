// Small response factories and request helpers shared by every route.
import type { IncomingMessage, ServerResponse } from 'node:http'

/**
 * Headers a cross-origin web seed (another site's WebTorrent, or the page's
 * engine when the origin is on another host) needs to read ranges and ETags.
 */
export const CORS_HEADERS: Readonly<Record<string, string>> = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Expose-Headers': 'Content-Range, Content-Length, Accept-Ranges, ETag, X-SwarmCDN-Source'
}

/** Methods the static origin answers; everything else is 405 with this as `Allow`. */
export const ALLOWED_METHODS = 'GET, HEAD, OPTIONS'

/** Preflights are cached by browsers for this long (Chromium caps it at 2 h). */
const PREFLIGHT_MAX_AGE_S = 7200

export function setCors (res: ServerResponse): void {
  for (const [k, v] of Object.entries(CORS_HEADERS)) res.setHeader(k, v)
}

/** CORS preflight: a web seed sends Range / If-Range / If-None-Match cross-origin. */
export function sendPreflight (res: ServerResponse): void {
  setCors(res)
  res.writeHead(204, {
    'Access-Control-Allow-Methods': 'GET, HEAD',
    'Access-Control-Allow-Headers': 'Range, If-Range, If-None-Match',
    'Access-Control-Max-Age': String(PREFLIGHT_MAX_AGE_S),
    'Content-Length': '0'
  })
  res.end()
}

export function sendText (res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  const buf = Buffer.from(body + '\n', 'utf8')
  setCors(res)
  res.writeHead(status, {
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': String(buf.length),
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
    ...headers
  })
  res.end(res.req.method === 'HEAD' ? undefined : buf)
}

export function sendJson (res: ServerResponse, status: number, value: unknown): void {
  const buf = Buffer.from(JSON.stringify(value), 'utf8')
  setCors(res)
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': String(buf.length),
    'Cache-Control': 'no-store'
  })
  res.end(res.req.method === 'HEAD' ? undefined : buf)
}

export function sendMethodNotAllowed (res: ServerResponse, allow: string = ALLOWED_METHODS): void {
  sendText(res, 405, 'Method Not Allowed', { Allow: allow })
}

/**
 * The request target's path exactly as the client sent it (still
 * percent-encoded, dot segments untouched), without query or fragment. Null
 * for targets that are not a path (`*`, garbage). Absolute-form targets (sent
 * to proxies) are reduced to their path.
 */
export function rawPathname (req: IncomingMessage): string | null {
  const target = req.url ?? ''
  if (target.startsWith('/')) {
    const cut = target.search(/[?#]/)
    return cut === -1 ? target : target.slice(0, cut)
  }
  if (/^https?:\/\//i.test(target)) {
    try { return new URL(target).pathname } catch { return null }
  }
  return null
}

/** `http://127.0.0.1:8080/`, with IPv6 literals bracketed. */
export function formatOrigin (scheme: 'http' | 'ws', host: string, port: number): string {
  const h = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host
  return `${scheme}://${h}:${port}`
}
