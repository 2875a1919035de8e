import type { Torrent } from 'webtorrent/dist/webtorrent.min.js'
import { note } from './report.js'

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
