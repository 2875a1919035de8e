// Who may read the service endpoints (/metrics, /swarmcdn/stats, the
// standalone tracker's /stats): an optional bearer token, and CORS only when
// the operator names an origin. Peer counts and per-path traffic are the
// site's business figures; by default no other web page may read them, and
// with a token nobody without it may (401).
import { createHash, timingSafeEqual } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Registry } from 'prom-client'

/** Environment variable the CLI reads the token from when `--metrics-token` is not given. */
export const METRICS_TOKEN_ENV = 'SWARMCDN_METRICS_TOKEN'

export interface ServiceAccess {
  /** Required as `Authorization: Bearer <token>` when set. */
  token?: string
  /** Value of `Access-Control-Allow-Origin` on these endpoints (`*` or an origin); none when unset. */
  corsOrigin?: string
}

/** Checks the options; throws with a message a person can act on. */
export function checkServiceAccess (a: ServiceAccess): ServiceAccess {
  if (a.token !== undefined && !/^[\x21-\x7e]+$/.test(a.token)) {
    throw new Error('invalid metrics token: use printable ASCII characters without spaces (e.g. `openssl rand -hex 24`)')
  }
  if (a.corsOrigin !== undefined && a.corsOrigin !== '*') {
    let ok = false
    try {
      const u = new URL(a.corsOrigin)
      ok = (u.protocol === 'http:' || u.protocol === 'https:') && u.origin === a.corsOrigin
    } catch {}
    if (!ok) throw new Error(`invalid --metrics-cors ${JSON.stringify(a.corsOrigin)} (an origin such as https://ops.example.com, or *)`)
  }
  return a
}

const digest = (s: string): Buffer => createHash('sha256').update(s).digest()

/** True when no token is configured or the request carries it (compared in constant time). */
export function authorized (req: IncomingMessage, a: ServiceAccess): boolean {
  if (a.token === undefined) return true
  const m = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '')
  return m !== null && timingSafeEqual(digest(m[1]), digest(a.token))
}

function corsHeaders (a: ServiceAccess): Record<string, string> {
  if (a.corsOrigin === undefined) return {}
  return a.corsOrigin === '*' ? { 'Access-Control-Allow-Origin': '*' } : { 'Access-Control-Allow-Origin': a.corsOrigin, Vary: 'Origin' }
}

function send (res: ServerResponse, status: number, type: string, body: Buffer, a: ServiceAccess, extra: Record<string, string> = {}): void {
  res.writeHead(status, {
    'Content-Type': type,
    'Content-Length': String(body.length),
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
    ...corsHeaders(a),
    ...extra
  })
  res.end(res.req.method === 'HEAD' ? undefined : body)
}

/** Answers 401 and returns false when the request may not read a service endpoint. */
export function guard (req: IncomingMessage, res: ServerResponse, a: ServiceAccess): boolean {
  if (authorized(req, a)) return true
  send(res, 401, 'text/plain; charset=utf-8', Buffer.from('Unauthorized: send Authorization: Bearer <token>\n'), a, { 'WWW-Authenticate': 'Bearer realm="swarmcdn"' })
  return false
}

export function sendServiceJson (res: ServerResponse, body: unknown, a: ServiceAccess): void {
  send(res, 200, 'application/json; charset=utf-8', Buffer.from(JSON.stringify(body), 'utf8'), a)
}

/** CORS preflight: only meaningful when an origin is allowed; it may then send the token. */
export function sendServicePreflight (res: ServerResponse, a: ServiceAccess): void {
  res.writeHead(204, {
    ...corsHeaders(a),
    ...(a.corsOrigin !== undefined ? { 'Access-Control-Allow-Methods': 'GET, HEAD', 'Access-Control-Allow-Headers': 'Authorization', 'Access-Control-Max-Age': '600' } : {}),
    'Content-Length': '0'
  })
  res.end()
}

export async function sendMetrics (res: ServerResponse, registry: Registry, a: ServiceAccess): Promise<void> {
  send(res, 200, registry.contentType, Buffer.from(await registry.metrics(), 'utf8'), a)
}

/** The options `serve` and `tracker` take for their service endpoints. */
export interface ServiceFlags {
  /** Bearer token required on /metrics and the stats endpoint. */
  metricsToken?: string
  /** `Access-Control-Allow-Origin` for them (`*` or one origin); none by default. */
  metricsCors?: string
  /** Per-asset origin byte counters in /metrics (one series per manifest path). */
  metricsPerAsset?: boolean
}

export function accessFor (flags: ServiceFlags): ServiceAccess {
  return checkServiceAccess({
    ...(flags.metricsToken !== undefined ? { token: flags.metricsToken } : {}),
    ...(flags.metricsCors !== undefined ? { corsOrigin: flags.metricsCors } : {})
  })
}
