// ICE servers for the engine: data-ice-servers, or time-limited TURN
// credentials from data-ice-url (TURN REST: the site's server hands out a
// username/credential pair that expires, issue 16).
import { makeDebug } from '../shared/debug.js'

const debug = makeDebug('ice')

/**
 * The ICE endpoint is same-origin JSON: one round trip. Past this the endpoint
 * is down or stalled, and the engine starts with the fallback servers rather
 * than wait (the first peer must come within 1.5 s of navigation, DESIGN §4).
 */
export const ICE_FETCH_MS = 2000

/**
 * Credentials that expire within this are fetched again when the engine
 * restarts: a TURN allocation made with them must outlive its first minutes.
 */
export const ICE_EXPIRY_MARGIN_MS = 30_000

/** What data-ice-url answers (GET, 200, JSON); the contract with the server side. */
export interface IceGrant {
  iceServers: RTCIceServer[]
  /** When the credentials stop working, in ms since the epoch. */
  expiresAt: number
}

function isRecord (v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

const isUrl = (u: unknown): boolean => typeof u === 'string' && /^(stun|stuns|turn|turns):/.test(u)

/** Why `v` is not a list of RTCIceServer, or null when it is one. */
export function iceServersProblem (v: unknown): string | null {
  if (!Array.isArray(v)) return 'must be a JSON list of RTCIceServer'
  for (const [i, s] of v.entries()) {
    if (!isRecord(s)) return `entry ${i} is not an object`
    const urls = Array.isArray(s.urls) ? s.urls : [s.urls]
    if (urls.length === 0 || !urls.every(isUrl)) return `entry ${i}: urls must be stun:, turn: or turns: URLs`
    for (const k of ['username', 'credential'] as const) {
      if (s[k] !== undefined && typeof s[k] !== 'string') return `entry ${i}: ${k} must be a string`
    }
  }
  return null
}

/** Validates the endpoint's answer; throws with the reason on anything else. */
export function parseIceGrant (json: unknown): IceGrant {
  if (!isRecord(json)) throw new Error('answer is not a JSON object')
  const problem = iceServersProblem(json.iceServers)
  if (problem) throw new Error(`iceServers ${problem}`)
  const expiresAt = json.expiresAt
  if (typeof expiresAt !== 'number' || !Number.isFinite(expiresAt)) throw new Error('expiresAt must be ms since the epoch')
  return { iceServers: json.iceServers as RTCIceServer[], expiresAt }
}

/**
 * Returns a function that yields the ICE servers for an engine start: the
 * endpoint's grant while it is fresh, a new grant once it is about to expire,
 * and `fallback` (data-ice-servers or the default) when there is no endpoint or
 * it fails: P2P without TURN beats no P2P.
 */
export function iceSource (url: string | null, fallback: RTCIceServer[], now: () => number = Date.now): () => Promise<RTCIceServer[]> {
  let grant: IceGrant | null = null
  return async () => {
    if (!url) return fallback
    if (grant && grant.expiresAt - ICE_EXPIRY_MARGIN_MS > now()) return grant.iceServers
    try {
      const res = await fetch(url, { cache: 'no-store', credentials: 'same-origin', signal: AbortSignal.timeout(ICE_FETCH_MS) })
      if (!res.ok) throw new Error(`HTTP ${res.status}`)
      grant = parseIceGrant(await res.json())
      return grant.iceServers
    } catch (err) {
      debug('ICE endpoint failed, using data-ice-servers or the default:', err)
      return fallback
    }
  }
}
