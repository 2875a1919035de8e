// What the tracker checks in every message before bittorrent-tracker sees
// it: a per-connection rate limit (token bucket), JSON text, and the shape of
// an announce (checks bittorrent-tracker does not do and would crash on).
import type { RawData } from 'ws'

/**
 * Per-connection token bucket. A peer announces on start, every 2 minutes, on
 * completion, and answers each offer relayed to it; each announce relays at
 * most 5 offers (WebTorrent's cap), so even a flash crowd keeps an honest peer
 * far under 50 messages/s. Beyond the burst, the connection is dropped.
 */
export const MESSAGES_PER_SECOND = 50
export const MESSAGE_BURST = 100

/** bittorrent-tracker's own cap on peers returned per announce (common.MAX_ANNOUNCE_PEERS). */
const MAX_OFFERS = 82

/** What the tracker keeps per connection: its token bucket, and whether it answered the last ping. */
export interface Conn {
  tokens: number
  refilledAt: number
  alive: boolean
}

function isRecord (v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

/**
 * Shape checks bittorrent-tracker does not do and would crash on (for
 * example `offers: [null]` throws inside a process.nextTick callback when the
 * offer is relayed). Returns a failure reason, or null when acceptable.
 */
export function validateTrackerMessage (msg: unknown): string | null {
  if (!isRecord(msg)) return 'message must be a JSON object'
  if (msg.action !== 'announce' && msg.action !== 'scrape') return 'action must be announce or scrape'
  if (msg.offers !== undefined) {
    if (!Array.isArray(msg.offers)) return 'offers must be an array'
    if (msg.offers.length > MAX_OFFERS) return `at most ${MAX_OFFERS} offers`
    for (const o of msg.offers) {
      if (!isRecord(o) || typeof o.offer_id !== 'string' || !isRecord(o.offer)) return 'each offer needs offer_id and offer'
    }
  }
  if (msg.answer !== undefined) {
    if (!isRecord(msg.answer) || typeof msg.offer_id !== 'string') return 'answer must be an object with offer_id'
  }
  return null
}

/** Takes one message's token from `c`'s bucket; false when the bucket is empty. */
export function takeToken (c: Conn): boolean {
  const now = Date.now()
  c.tokens = Math.min(MESSAGE_BURST, c.tokens + ((now - c.refilledAt) / 1000) * MESSAGES_PER_SECOND)
  c.refilledAt = now
  if (c.tokens < 1) return false
  c.tokens -= 1
  return true
}

/** A text frame's payload as a string (ws hands it as a Buffer, fragments, or an ArrayBuffer). */
export function rawToString (data: RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8')
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8')
  return Buffer.from(data).toString('utf8')
}
