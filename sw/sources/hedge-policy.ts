// What a hedged delivery decides (hedged.ts streams): which units the origin
// takes, and when the peers are late. Pure functions of what the delivery
// and rates.ts have measured, so each rule is unit-tested on its own
// (test/unit/sw/hedge-policy.test.ts).
import * as rates from '../rates.js'

/** How often a delivery weighs its sources again. */
export const HEDGE_TICK_MS = 50
/**
 * Units fetched ahead of what the page has read, at most: a long answer
 * (a large file, an explicit Range) never holds more than 4 MiB in the SW.
 */
export const AHEAD_UNITS = 16
/**
 * Units per origin request while peers fill the rest: 4 MiB, the bound of
 * the origin's Blob path (origin.ts). One request, not many: the page's own
 * requests share the browser's few connections to the origin.
 */
export const HEDGE_WINDOW_UNITS = 16
/**
 * Origin windows in flight at once without a peer, and units per window.
 * One window at a time, each asked for only when the page reached it, left
 * the link idle for a round trip per 1 MiB: a 16 MiB download took 2.3 to
 * 4 times as long as without swarmcdn from an origin 30 ms away
 * (bench/download.js). Two windows of 2 MiB keep the next request on its
 * way while the page reads, within AHEAD_UNITS; a cancel aborts both. A
 * player's request is one media window (plan.ts) and gets no more.
 */
export const FRONT_WINDOWS = 2
export const FRONT_WINDOW_UNITS = AHEAD_UNITS / FRONT_WINDOWS
/** How much more margin a sending peer gets against the origin's prior than against a measured origin. */
const UNMEASURED_ORIGIN_DOUBT = 2
/** Peer bytes of this delivery, over at least OWN_RATE_MIN_MS, before its own rate replaces the shared one. */
const OWN_RATE_BYTES = 16 * 1024
const OWN_RATE_MIN_MS = 50

/**
 * When a peer asked at `askedAt` for `bytes` is late if it has not sent a
 * byte: when the origin, behind what it already has to send, would have
 * delivered them (with the peers' margin), and never before twice the
 * peers' measured time to a first byte: on a loaded machine every peer
 * answer is slow, and a race then only makes the origin send the same
 * bytes twice.
 */
export function peerLateAt (askedAt: number, bytes: number): number {
  const originAlone = rates.PEER_FACTOR * rates.origin.finishIn(bytes) + rates.PEER_SLACK_MS
  return askedAt + Math.max(originAlone, 2 * rates.peers.firstByteMs())
}

/** What a delivery knows of its peer stream. */
export interface PeerProgress {
  now: number
  askedAt: number
  /** peerLateAt() of this stream. */
  lateAt: number
  /** When its first byte came (null: none yet), and its bytes since. */
  firstAt: number | null
  bytes: number
  /** Bytes of the units still left to it. */
  left: number
}

/**
 * Ms until the peer would have sent every unit left to it; Infinity when it
 * stayed silent past lateAt; null while there is no evidence yet (no own
 * rate, and no measured peer rate or a first byte not yet late): a prior
 * alone never moves bytes to the origin.
 */
export function peerFinishMs (p: PeerProgress): number | null {
  if (p.now >= p.lateAt && p.firstAt === null) return Infinity
  const ownRate = p.bytes >= OWN_RATE_BYTES && p.firstAt !== null && p.now - p.firstAt >= OWN_RATE_MIN_MS
  if (!ownRate && (!rates.peers.measured() || p.now - p.askedAt < rates.peers.firstByteMs())) return null
  const rate = ownRate
    ? p.bytes / (p.now - p.firstAt!)
    : rates.peers.rate() / Math.max(1, rates.peers.active)
  return p.left / rate
}

/**
 * Whether the origin takes `bytes` from the back of a peer's part that it
 * would finish in `peerMs`. Against an origin this visitor has not measured
 * yet, a peer that sends gets twice the margin: a loaded machine made
 * loopback peers look slower than the origin's prior, and the origin then
 * sent the same bytes twice (bench/offload.js, N = 8: 0.83 × the ceiling).
 */
export function originTakes (bytes: number, peerMs: number): boolean {
  const doubt = peerMs !== Infinity && !rates.origin.measured() ? UNMEASURED_ORIGIN_DOUBT : 1
  return rates.originClearlyFirst(rates.origin.finishIn(bytes), peerMs / doubt)
}

/**
 * The highest open units of the peers' part [peerAt, top], at most
 * HEDGE_WINDOW_UNITS; above the peer's unit, or that unit itself once
 * nothing else is left (the end game) or the peer is `silent` (no byte by
 * lateAt): then it gets no unit of its own, one request for all rather
 * than a second one for the unit it never started.
 */
export function backWindow (peerAt: number, top: number, open: (u: number) => boolean, silent: boolean): [number, number] | null {
  let b = -1
  for (let u = top; u >= peerAt; u--) if (open(u)) { b = u; break }
  if (b < 0) return null
  let a = b
  while (a - 1 >= peerAt && b - (a - 1) < HEDGE_WINDOW_UNITS && open(a - 1)) a--
  if (a === peerAt && b > a && !silent) a++
  return [a, b]
}

/** From the first open unit in [from, top], up to `size` open units in a row. */
export function frontWindow (from: number, top: number, open: (u: number) => boolean, size: number): [number, number] | null {
  let a = -1
  for (let u = from; u <= top; u++) if (open(u)) { a = u; break }
  if (a < 0) return null
  let b = a
  while (b + 1 <= top && b + 1 - a < size && open(b + 1)) b++
  return [a, b]
}
