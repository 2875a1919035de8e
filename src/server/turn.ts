// Time-limited TURN credentials (the "TURN REST API", draft-uberti-behave-turn-rest-00),
// as coturn checks them with `use-auth-secret` + `static-auth-secret`:
//
//   username   = "<expiry, unix seconds>:<random id>"
//   credential = base64(HMAC-SHA1(secret, username))
//
// The origin (or the standalone tracker) shares the secret with coturn and
// mints a fresh pair for each visitor at GET /swarmcdn/ice, so no long-lived
// TURN password ever sits in a page's HTML (issue 16: static credentials in
// `data-ice-servers` are readable, and abusable, by anyone).
import { createHmac, randomBytes } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'

export const ICE_PATH = '/swarmcdn/ice'

/**
 * One hour: long enough for a visit (new peers reuse the credential), short
 * enough that a credential scraped from one visit is soon useless. coturn
 * checks the expiry on every authenticated request, including the refreshes
 * that keep an allocation and its permissions alive (every few minutes), so
 * a relay stops soon after its credential expires; the loader fetches fresh
 * ones before that (`data-ice-url`).
 */
export const DEFAULT_TURN_TTL_SECONDS = 3600
/** A week: beyond it a credential is as good as static. */
export const MAX_TURN_TTL_SECONDS = 7 * 24 * 3600

/** What `GET /swarmcdn/ice` answers (the contract the loader's `data-ice-url` reads). */
export interface IceJson {
  iceServers: IceServer[]
  /** When the minted credentials stop working, ms since the epoch. */
  expiresAt: number
}

/** RTCIceServer, spelled out: node has no DOM types. */
export interface IceServer {
  urls: string[]
  username?: string
  credential?: string
}

export interface TurnConfig {
  secret: string
  /** turn:/turns: URLs get the minted credentials; stun:/stuns: URLs are listed without. */
  urls: string[]
  ttlSeconds: number
}

export interface TurnCredential {
  username: string
  credential: string
  /** ms since the epoch */
  expiresAt: number
}

/**
 * `turn:host[:port][?transport=udp|tcp]` (RFC 7065) and `stun:host[:port]`
 * (RFC 7064); `turns:`/`stuns:` for TLS. Returns why a URL is not one, or null.
 */
export function iceUrlProblem (url: string): string | null {
  const m = /^(turns?|stuns?):(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+)(?::(\d+))?(?:\?transport=(\w+))?$/.exec(url)
  if (m === null) return 'expected turn:HOST[:PORT][?transport=udp|tcp] (or turns:, stun:, stuns:)'
  const [, scheme, , port, transport] = m
  if (port !== undefined && (Number(port) < 1 || Number(port) > 65535)) return `port ${port} is out of range (1-65535)`
  if (transport !== undefined) {
    if (scheme!.startsWith('stun')) return 'stun: URLs take no ?transport'
    if (transport !== 'udp' && transport !== 'tcp') return `transport must be udp or tcp, not ${JSON.stringify(transport)}`
  }
  return null
}

/** Checks a CLI or API configuration; throws an Error a person can act on. */
export function turnConfig (opts: { secret?: string | undefined, urls?: string[] | undefined, ttlSeconds?: number | undefined }): TurnConfig | null {
  const urls = opts.urls ?? []
  const secret = opts.secret === '' ? undefined : opts.secret
  if (secret === undefined && urls.length === 0) {
    if (opts.ttlSeconds !== undefined) throw new Error('--turn-ttl needs --turn-secret and --turn-url')
    return null
  }
  if (secret === undefined) throw new Error('--turn-url needs --turn-secret (the static-auth-secret shared with coturn)')
  if (urls.length === 0) throw new Error('--turn-secret needs at least one --turn-url (e.g. turn:turn.example.com:3478?transport=udp)')
  for (const url of urls) {
    const why = iceUrlProblem(url)
    if (why !== null) throw new Error(`invalid --turn-url ${JSON.stringify(url)}: ${why}`)
  }
  if (!urls.some((u) => u.startsWith('turn'))) throw new Error('--turn-url: at least one URL must be turn: or turns: (stun: URLs need no credentials)')
  const ttlSeconds = opts.ttlSeconds ?? DEFAULT_TURN_TTL_SECONDS
  if (!Number.isInteger(ttlSeconds) || ttlSeconds < 1 || ttlSeconds > MAX_TURN_TTL_SECONDS) {
    throw new Error(`invalid --turn-ttl ${JSON.stringify(String(ttlSeconds))}: whole seconds from 1 to ${MAX_TURN_TTL_SECONDS}`)
  }
  return { secret, urls, ttlSeconds }
}

/** A credential coturn accepts until `now + ttlSeconds` (coturn compares the username's timestamp with its clock). */
export function mintTurnCredential (secret: string, ttlSeconds: number, now: number = Date.now()): TurnCredential {
  const expiry = Math.floor(now / 1000) + ttlSeconds
  // The id only makes usernames distinct (coturn logs and quotas are per username).
  const username = `${expiry}:${randomBytes(9).toString('base64url')}`
  const credential = createHmac('sha1', secret).update(username).digest('base64')
  return { username, credential, expiresAt: expiry * 1000 }
}

export function iceJson (config: TurnConfig, now: number = Date.now()): IceJson {
  const { username, credential, expiresAt } = mintTurnCredential(config.secret, config.ttlSeconds, now)
  const turn = config.urls.filter((u) => u.startsWith('turn'))
  const stun = config.urls.filter((u) => u.startsWith('stun'))
  return {
    iceServers: [
      ...(stun.length > 0 ? [{ urls: stun }] : []),
      { urls: turn, username, credential }
    ],
    expiresAt
  }
}

/**
 * Answers GET/HEAD /swarmcdn/ice. `no-store`: a shared cache must never hand
 * one visitor's credential to another, nor an expired one to anybody. CORS is
 * open because a page on another origin reads it from a standalone tracker;
 * the credential is handed to any visitor anyway, what protects the relay is
 * that it expires.
 */
export function sendIce (req: IncomingMessage, res: ServerResponse, config: TurnConfig): void {
  const method = req.method ?? 'GET'
  const cors = { 'Access-Control-Allow-Origin': '*' }
  if (method === 'OPTIONS') {
    res.writeHead(204, { ...cors, 'Access-Control-Allow-Methods': 'GET, HEAD', 'Content-Length': '0' })
    res.end()
    return
  }
  if (method !== 'GET' && method !== 'HEAD') {
    res.writeHead(405, { ...cors, Allow: 'GET, HEAD, OPTIONS', 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' })
    res.end('Method Not Allowed\n')
    return
  }
  const body = Buffer.from(JSON.stringify(iceJson(config)), 'utf8')
  res.writeHead(200, {
    ...cors,
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': String(body.length),
    'Cache-Control': 'no-store'
  })
  res.end(method === 'HEAD' ? undefined : body)
}
