// The seeder's view of the origin: the manifest (conditional GETs honouring
// ETag and Cache-Control max-age) and the release torrent.
import { parseManifest, MANIFEST_FILE, type Manifest } from '../shared/manifest.js'

/** Without max-age the manifest is polled this often. */
export const DEFAULT_POLL_MS = 30_000
/** Bounds on the poll interval whatever the headers say: not hammering, not sleeping past a deploy for long. */
export const MIN_POLL_MS = 2_000
export const MAX_POLL_MS = 10 * 60_000
/** Deadline of each request to the origin. */
export const ORIGIN_TIMEOUT_MS = 10_000

export class OriginError extends Error {
  override name = 'OriginError'
}

export interface ManifestFetch {
  /** null when the origin answered 304 (unchanged). */
  manifest: Manifest | null
  etag: string | null
  /** When to ask again. */
  pollMs: number
}

/** `max-age` of a Cache-Control value in ms, or null. `no-cache`/`no-store` mean "ask each time": the minimum. */
export function pollInterval (cacheControl: string | null): number {
  if (cacheControl === null) return DEFAULT_POLL_MS
  if (/(^|,)\s*(no-cache|no-store)\s*(,|$)/i.test(cacheControl)) return MIN_POLL_MS
  const m = /(?:^|,)\s*max-age\s*=\s*"?(\d+)"?/i.exec(cacheControl)
  if (m === null) return DEFAULT_POLL_MS
  return Math.min(MAX_POLL_MS, Math.max(MIN_POLL_MS, Number(m[1]) * 1000))
}

async function get (url: URL, headers: Record<string, string> = {}): Promise<Response> {
  try {
    return await fetch(url, { headers, redirect: 'follow', signal: AbortSignal.timeout(ORIGIN_TIMEOUT_MS) })
  } catch (err) {
    const cause = (err as { cause?: { code?: string, message?: string } }).cause
    throw new OriginError(`cannot reach the origin at ${url.origin}: ${cause?.code ?? cause?.message ?? (err as Error).message}`)
  }
}

/** The site's base URL: `--origin` may name a folder (`https://cdn.example/site/`) or the manifest itself. */
export function siteBase (origin: string): URL {
  let u: URL
  try { u = new URL(origin) } catch { throw new OriginError(`--origin ${JSON.stringify(origin)} is not a URL (e.g. https://example.com/)`) }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new OriginError(`--origin must be an http(s) URL, got ${u.protocol}`)
  if (u.pathname.endsWith(`/${MANIFEST_FILE}`)) u.pathname = u.pathname.slice(0, -MANIFEST_FILE.length)
  if (!u.pathname.endsWith('/')) u.pathname += '/'
  u.search = ''
  u.hash = ''
  return u
}

export function manifestUrl (base: URL): URL {
  return new URL(MANIFEST_FILE, base)
}

export async function fetchManifest (origin: URL, etag: string | null): Promise<ManifestFetch> {
  const url = manifestUrl(origin)
  const res = await get(url, etag !== null ? { 'If-None-Match': etag } : {})
  const pollMs = pollInterval(res.headers.get('cache-control'))
  if (res.status === 304) return { manifest: null, etag, pollMs }
  if (!res.ok) throw new OriginError(`${url.href}: HTTP ${res.status} (is this a site published with swarmcdn?)`)
  let json: unknown
  try { json = await res.json() } catch { throw new OriginError(`${url.href}: not JSON`) }
  let manifest: Manifest
  try { manifest = parseManifest(json) } catch (err) { throw new OriginError(`${url.href}: ${(err as Error).message}`) }
  return { manifest, etag: res.headers.get('etag'), pollMs }
}

export async function fetchTorrent (origin: URL, manifest: Manifest): Promise<Buffer> {
  const url = new URL(manifest.torrent, origin)
  const res = await get(url)
  if (!res.ok) throw new OriginError(`${url.href}: HTTP ${res.status}`)
  return Buffer.from(await res.arrayBuffer())
}
