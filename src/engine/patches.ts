// Every patch of a pinned third-party internal the engine makes (webtorrent
// 3.0.21 and the bittorrent-protocol / bittorrent-tracker copies its dist
// bundle carries), in one place: patch-package's discipline, in code. Each
// patch checks that its target exists, records whether it applied (reported
// in EngineStatus.patches), and test/unit/engine/patches.test.ts fails on the
// installed bundle when one no longer applies.
import type { Torrent, Wire } from 'webtorrent/dist/webtorrent.min.js'
import { concatBytes } from './bytes.js'

export type PatchName =
  | 'wire-batching' | 'no-redundant-have' | 'coalesced-updates' | 'flush-without-copy'
  | 'tracker-reconnect' | 'mark-verified' | 'mark-unverified' | 'ban-before-connect' | 'message-length-guard'
  | 'ice-complete-timeout' | 'ice-relay-ends-gathering' | 'request-pass-now'

/** Which patches applied; absent = not tried yet (e.g. no wire so far). */
export type PatchReport = Partial<Record<PatchName, boolean>>

export const report: PatchReport = {}
const note = (name: PatchName, ok: boolean): boolean => { report[name] = ok; return ok }

// ── wire: fewer, fuller data channel messages ────────────────────────────
// Measured on a 32 MiB peer transfer, CPU went mostly to carrying messages:
// a piece message went as two data channel messages (13-byte header, then the
// block), each request (17 bytes) as its own, a `have` to every peer including
// seeders. The wire is a byte stream (messages carry their own length prefix),
// so messages pushed in the same task travel as one data channel message, up
// to 64 KiB (what every peer accepts when its SDP names no limit, RFC 8841).

/** Largest merged message; a single larger message still goes whole, as before. */
const MAX_MESSAGE = 64 * 1024

type PushingWire = Wire & {
  _push?: (data: Uint8Array) => unknown
  _message?: (id: number, numbers: number[], data: Uint8Array | null) => void
}

export function batchWire (wire: Wire): boolean {
  const w = wire as PushingWire
  const push = w._push
  const message = w._message
  const have = typeof wire.have === 'function' ? wire.have.bind(wire) : null
  note('no-redundant-have', have !== null && typeof wire.peerPieces?.get === 'function')
  if (have) {
    // A peer that holds a piece has no use for our `have` of it.
    wire.have = (index: number): void => { if (!wire.peerPieces.get(index)) have(index) }
  }
  if (typeof push !== 'function' || typeof message !== 'function') return note('wire-batching', false)
  let pending: Uint8Array[] = []
  let pendingBytes = 0
  let scheduled = false
  /** Chunks of the message being pushed now: a message is never split between two sends. */
  let unit: Uint8Array[] | null = null
  const flush = (): void => {
    scheduled = false
    if (pendingBytes === 0) return
    const out = concatBytes(pending, pendingBytes)
    pending = []
    pendingBytes = 0
    push.call(w, out)
  }
  const enqueue = (parts: Uint8Array[]): void => {
    let bytes = 0
    for (const p of parts) bytes += p.length
    if (pendingBytes > 0 && pendingBytes + bytes > MAX_MESSAGE) flush()
    pending.push(...parts)
    pendingBytes += bytes
    if (!scheduled) { scheduled = true; queueMicrotask(flush) }
  }
  w._push = (data: Uint8Array): unknown => {
    if (unit) unit.push(data)
    else enqueue([data])
    return true
  }
  // bittorrent-protocol pushes a message as its header, then its payload.
  w._message = (id: number, numbers: number[], data: Uint8Array | null): void => {
    unit = []
    try {
      message.call(w, id, numbers, data)
    } finally {
      const parts = unit
      unit = null
      enqueue(parts)
    }
  }
  return note('wire-batching', true)
}

// ── torrent: one scheduling pass, no copy of one-block pieces ────────────

type UpdatingTorrent = { _update?: () => void, _updateWireWrapper?: () => void, destroyed: boolean }

/**
 * WebTorrent schedules a full request-scheduling pass (one idle callback) for
 * every verified piece: 2,048 for a 32 MiB asset in 16 KiB pieces, each one
 * after the first finding nothing new to do. One pending pass does the same.
 */
export function coalesceUpdates (torrent: UpdatingTorrent): boolean {
  const run = torrent._updateWireWrapper
  if (typeof torrent._update !== 'function' || typeof run !== 'function') return note('coalesced-updates', false)
  let pending = false
  const pass = (): void => { pending = false; if (!torrent.destroyed) run.call(torrent) }
  torrent._update = (): void => {
    if (pending) return
    pending = true
    if (typeof requestIdleCallback === 'function') requestIdleCallback(pass, { timeout: 250 })
    else setTimeout(pass, 0)
  }
  return note('coalesced-updates', true)
}

/**
 * Runs one request pass now. WebTorrent schedules it in an idle callback with
 * a 250 ms timeout (`_update`, and coalesceUpdates above); a leader tab busy
 * with a page load, or in the background, waits the whole timeout, measured
 * as 250–300 ms before a peer sent the first byte of any request. A request
 * of the SW runs one pass at once (urgency.ts).
 */
export function requestPassNow (torrent: UpdatingTorrent): boolean {
  const run = torrent._updateWireWrapper
  if (typeof run !== 'function') return note('request-pass-now', false)
  if (!torrent.destroyed) run.call(torrent)
  return note('request-pass-now', true)
}

type PieceLike = { flush: () => Uint8Array | null, _buffer: Uint8Array[] | null, _chunks: number, _buffered: number, _cancellations: unknown, sources: unknown, _flushed: boolean }

/**
 * A piece that arrived as one block is handed on as that block: WebTorrent
 * copies every completed piece into a fresh buffer (Piece#flush), one
 * allocation and copy per block received at 16 KiB pieces.
 */
export function flushWithoutCopy (torrent: { pieces: unknown[] }): boolean {
  const piece = torrent.pieces.find((p): p is PieceLike => p !== null && typeof p === 'object')
  // Every piece already held: nothing will be received, nothing to patch (not a failure).
  if (!piece) return false
  if (typeof piece.flush !== 'function') return note('flush-without-copy', false)
  const proto = Object.getPrototypeOf(piece) as PieceLike & { _swarmcdnFlush?: boolean }
  if (proto._swarmcdnFlush) return note('flush-without-copy', true)
  proto._swarmcdnFlush = true
  const flush = proto.flush
  proto.flush = function (this: PieceLike): Uint8Array | null {
    const b = this._buffer
    if (b && this._chunks === 1 && this._buffered === 1 && b[0] instanceof Uint8Array) {
      this._buffer = null
      this._cancellations = null
      this.sources = null
      this._flushed = true
      return b[0]
    }
    return flush.call(this)
  }
  return note('flush-without-copy', true)
}

// ── tracker: reconnect in seconds, not minutes ───────────────────────────
// bittorrent-tracker's WebSocket client waits 10 s plus a random 0–5 min
// before reconnecting (herd protection for public trackers). A site's own
// tracker restarting would leave its visitors out of the swarm for minutes:
// here 1 s doubling to 60 s, with 0–5 s of jitter.

const FIRST_RETRY_MS = 1000
const MAX_RETRY_MS = 60_000
const JITTER_MS = 5000

interface WsTracker { retries: number, reconnecting: boolean, reconnectTimer: ReturnType<typeof setTimeout> | undefined, _openSocket: () => void, _startReconnectTimer: () => void }
const reconnectPatched = new WeakSet<object>()

/** The torrent's tracker clients, which exist once discovery started (just before 'ready'). */
function trackersOf (torrent: Torrent): object[] | null {
  const trackers = (torrent as unknown as { discovery?: { tracker?: { _trackers?: object[] } } }).discovery?.tracker?._trackers
  return Array.isArray(trackers) && trackers.length > 0 ? trackers : null
}

/**
 * Patches the prototype of each of the torrent's tracker clients once (`done`
 * remembers which). `patch` checks its targets first and returns false,
 * patching nothing, when one is missing. Null while there are no trackers yet.
 */
function patchTrackerPrototypes<T extends object> (torrent: Torrent, done: WeakSet<object>, patch: (proto: T) => boolean): boolean | null {
  const trackers = trackersOf(torrent)
  if (!trackers) return null
  let ok = true
  for (const t of trackers) {
    const proto = Object.getPrototypeOf(t) as T
    if (done.has(proto)) continue
    if (patch(proto)) done.add(proto)
    else ok = false
  }
  return ok
}

/** Needs the torrent's trackers, which exist once discovery started (after 'ready'). */
export function fastTrackerReconnect (torrent: Torrent): boolean {
  const ok = patchTrackerPrototypes<WsTracker>(torrent, reconnectPatched, (proto) => {
    if (typeof proto._startReconnectTimer !== 'function' || typeof proto._openSocket !== 'function') return false
    proto._startReconnectTimer = function (this: WsTracker) {
      const ms = Math.min(FIRST_RETRY_MS * 2 ** this.retries, MAX_RETRY_MS) + Math.floor(Math.random() * JITTER_MS)
      this.reconnecting = true
      clearTimeout(this.reconnectTimer)
      // No `destroyed` check: a socket close destroys the tracker before this
      // timer starts and _openSocket revives it; a real destroy clears the timer.
      this.reconnectTimer = setTimeout(() => { this.retries++; this._openSocket() }, ms)
    }
    return true
  })
  return ok === null ? false : note('tracker-reconnect', ok)
}

// ── ICE: offers within about a second where UDP is blocked ──────────────
// bittorrent-tracker's WebSocket client builds every peer with `trickle:
// false`: an offer or an answer goes out only once ICE gathering has ended,
// and an announce only once all its offers are built. On a network that drops
// UDP, the STUN and TURN/UDP requests are never answered, gathering never ends
// on its own, and simple-peer sends what it has after its 5 s
// `iceCompleteTimeout` (issue 13: first peer at 5.6–7.9 s on a UDP-blocked
// network with TURN over TCP, against about 0.6 s elsewhere). At the one place
// the tracker client builds peers (WebSocketTracker#_createPeer, both offers
// and answers):
// - a relay candidate ends the wait at once. It is the last kind a working
//   network yields (a TURN allocation takes two round trips, a STUN binding
//   one), so host and server-reflexive candidates are already in the
//   description, and a relay alone reaches any peer that reaches the TURN
//   server. A second relay (TURN over TCP next to UDP) adds no new path;
// - without one (no TURN configured, or none reachable), simple-peer's
//   timeout counts 1 s from the first candidate instead of 5 s. A STUN answer
//   slower than that means a round trip past 1 s, where P2P would lose to the
//   origin anyway; a gathering that completes sooner still ends sooner.

/** simple-peer's ICE-complete timeout for tracker peers (simple-peer's own default: 5 s). */
export const ICE_COMPLETE_MS = 1000

interface IcePeer {
  _pc?: { addEventListener?: (type: 'icecandidate', fn: (e: { candidate: { candidate: string, type?: string | null } | null }) => void) => void }
  _iceComplete?: unknown
  iceCompleteTimeout?: unknown
  destroyed?: boolean
  emit?: (event: string) => unknown
}
interface PeerMaker { _createPeer: (opts?: Record<string, unknown>) => IcePeer }
const icePatched = new WeakSet<object>()

const isRelay = (c: { candidate: string, type?: string | null }): boolean => c.type === 'relay' || / typ relay( |$)/.test(c.candidate)

/** Ends `peer`'s ICE wait when its first relay candidate is gathered, the way its own timeout would. */
function endIceOnRelay (peer: IcePeer): void {
  const pc = peer._pc
  const ok = typeof pc?.addEventListener === 'function' && typeof peer._iceComplete === 'boolean' && typeof peer.emit === 'function'
  note('ice-relay-ends-gathering', ok)
  if (!ok) return
  pc!.addEventListener!('icecandidate', (e) => {
    if (peer.destroyed || peer._iceComplete === true || !e.candidate || !isRelay(e.candidate)) return
    // simple-peer's own end of gathering: the offer or answer it holds goes
    // out with every candidate gathered so far, this relay included.
    peer._iceComplete = true
    peer.emit!('_iceComplete')
  })
}

/** Needs the torrent's trackers: call before their first announce (right after 'ready'). */
export function fastIceOffers (torrent: Torrent): boolean {
  const ok = patchTrackerPrototypes<PeerMaker>(torrent, icePatched, (proto) => {
    const create = proto._createPeer
    if (typeof create !== 'function') return false
    proto._createPeer = function (this: PeerMaker, opts?: Record<string, unknown>): IcePeer {
      // The tracker's own opts come last, as in _createPeer's Object.assign.
      const peer = create.call(this, { iceCompleteTimeout: ICE_COMPLETE_MS, ...opts })
      note('ice-complete-timeout', peer.iceCompleteTimeout === ICE_COMPLETE_MS)
      endIceOnRelay(peer)
      return peer
    }
    return true
  })
  return ok === null ? false : note('ice-complete-timeout', ok)
}

// ── seeding bytes verified elsewhere (no public API) ─────────────────────

type MarkingTorrent = Torrent & { _markUnverified?: (i: number) => void }

/** Checks the torrent internals the engine calls directly, and the ones bans.ts wraps. */
export function checkTorrentTargets (torrent: Torrent): void {
  const t = torrent as MarkingTorrent
  note('mark-verified', typeof t._markVerified === 'function')
  note('mark-unverified', typeof t._markUnverified === 'function')
  note('ban-before-connect', typeof t._addPeer === 'function')
}

/** bans.ts's message-length guard wraps this on every wire. */
export function checkWireTargets (wire: Wire): void {
  const w = wire as Wire & { _onMessageLength?: unknown, _parse?: unknown }
  note('message-length-guard', typeof w._onMessageLength === 'function' && typeof w._parse === 'function')
}

/** Piece `i`, whose bytes the store holds, becomes seedable and is announced. */
export function markVerified (torrent: Torrent, i: number): void {
  if (torrent.destroyed || torrent.bitfield.get(i)) return
  torrent._markVerified(i)
  for (const w of torrent.wires) w.have(i)
}

/** Piece `i`, whose bytes the store lost, is no longer offered (and may be fetched again). */
export function markUnverified (torrent: Torrent, i: number): void {
  if (torrent.destroyed || !torrent.bitfield.get(i)) return
  const t = torrent as MarkingTorrent
  if (typeof t._markUnverified === 'function') t._markUnverified(i)
  else torrent.bitfield.set(i, false)
}
