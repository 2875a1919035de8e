// What tracker processes tell each other over Redis pub/sub: an offer or an
// answer for a peer connected to another process. Every message from Redis is
// untrusted input (another version of swarmcdn, a person with redis-cli, a
// bit flip): it is parsed here, checked field by field, and anything else is
// dropped with a reason, never thrown.

/** Wire format version; a process ignores messages of another version. */
export const CLUSTER_MESSAGE_VERSION = 1

/**
 * Largest message relayed. An offer or answer carries one SDP, which the
 * tracker already caps with the whole announce at MAX_MESSAGE_BYTES (64 KiB);
 * the envelope adds under 300 bytes.
 */
export const MAX_CLUSTER_MESSAGE_BYTES = 64 * 1024 + 1024

const HEX40 = /^[0-9a-f]{40}$/
/** Node ids are 16 lowercase hex characters (8 random bytes per process start). */
export const NODE_ID = /^[0-9a-f]{16}$/

interface Envelope {
  v: typeof CLUSTER_MESSAGE_VERSION
  /** Sending process. */
  from: string
  /** Swarm, 40 hex. */
  infoHash: string
  /** The peer that wrote the offer or answer, 40 hex. */
  peerId: string
  /** The peer it is for, 40 hex, connected to the receiving process. */
  to: string
  offerId: string
}

export interface OfferMessage extends Envelope {
  type: 'offer'
  offer: Record<string, unknown>
}

export interface AnswerMessage extends Envelope {
  type: 'answer'
  answer: Record<string, unknown>
}

export type ClusterMessage = OfferMessage | AnswerMessage

export type DropReason = 'malformed' | 'oversized' | 'version' | 'no_peer' | 'no_route'

export type Parsed = { ok: true, msg: ClusterMessage } | { ok: false, reason: DropReason, detail: string }

function isRecord (v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

export function encodeClusterMessage (msg: ClusterMessage): string {
  return JSON.stringify(msg)
}

/** Never throws: any input gives a message or a reason to drop it. */
export function parseClusterMessage (raw: unknown): Parsed {
  const bad = (detail: string): Parsed => ({ ok: false, reason: 'malformed', detail })
  let text: string
  if (typeof raw === 'string') text = raw
  else if (Buffer.isBuffer(raw)) text = raw.toString('utf8')
  else return bad('not text')
  if (Buffer.byteLength(text) > MAX_CLUSTER_MESSAGE_BYTES) return { ok: false, reason: 'oversized', detail: `${Buffer.byteLength(text)} bytes` }
  let m: unknown
  try {
    m = JSON.parse(text)
  } catch {
    return bad('not JSON')
  }
  if (!isRecord(m)) return bad('not an object')
  if (m.v !== CLUSTER_MESSAGE_VERSION) return { ok: false, reason: 'version', detail: `version ${JSON.stringify(m.v)}` }
  if (typeof m.from !== 'string' || !NODE_ID.test(m.from)) return bad('from')
  for (const k of ['infoHash', 'peerId', 'to'] as const) {
    if (typeof m[k] !== 'string' || !HEX40.test(m[k])) return bad(k)
  }
  // Offer ids are 20-character binary strings in bittorrent-tracker's client.
  if (typeof m.offerId !== 'string' || m.offerId.length === 0 || m.offerId.length > 64) return bad('offerId')
  const env: Envelope = { v: CLUSTER_MESSAGE_VERSION, from: m.from, infoHash: m.infoHash as string, peerId: m.peerId as string, to: m.to as string, offerId: m.offerId }
  if (m.type === 'offer') {
    if (!isSdp(m.offer, 'offer')) return bad('offer')
    return { ok: true, msg: { ...env, type: 'offer', offer: m.offer } }
  }
  if (m.type === 'answer') {
    if (!isSdp(m.answer, 'answer')) return bad('answer')
    return { ok: true, msg: { ...env, type: 'answer', answer: m.answer } }
  }
  return bad('type')
}

/** `{ type: 'offer' | 'answer', sdp: string }`, what simple-peer signals with trickle off. */
function isSdp (v: unknown, type: 'offer' | 'answer'): v is Record<string, unknown> {
  return isRecord(v) && v.type === type && typeof v.sdp === 'string'
}
