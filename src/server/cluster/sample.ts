// Turns a ZRANDMEMBER … WITHSCORES reply into the peers an announce's offers
// go to: not the announcing peer itself, not expired, each peer once.
import { NODE_ID } from './messages.js'

export interface Pick {
  node: string
  peerId: string
}

const MEMBER = /^([0-9a-f]{16}):([0-9a-f]{40})$/

/**
 * `reply` is the flat RESP2 array `[member, score, member, score, …]`.
 * Anything else in it (a member some other program wrote) is skipped.
 */
export function sample (reply: unknown, opts: { self: string, now: number, want: number }): Pick[] {
  const out: Pick[] = []
  if (!Array.isArray(reply)) return out
  const seen = new Set<string>([opts.self])
  for (let i = 0; i + 1 < reply.length && out.length < opts.want; i += 2) {
    const m = MEMBER.exec(String(reply[i]))
    const expires = Number(reply[i + 1])
    if (m === null || !NODE_ID.test(m[1]) || !(expires > opts.now) || seen.has(m[2])) continue
    seen.add(m[2])
    out.push({ node: m[1], peerId: m[2] })
  }
  return out
}
