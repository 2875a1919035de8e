// bittorrent-tracker's WebSocket client waits 10 s plus a random 0–5 min
// before reconnecting to a tracker that went away (RECONNECT_VARIANCE: herd
// protection for public trackers with millions of clients). A site's own
// tracker restarting would leave its visitors out of the swarm for minutes, so
// the schedule here is 1 s doubling to 60 s, with 0–5 s of jitter.
import type { Torrent } from 'webtorrent/dist/webtorrent.min.js'

const FIRST_RETRY_MS = 1000
const MAX_RETRY_MS = 60_000
const JITTER_MS = 5000

interface WsTracker {
  retries: number
  reconnecting: boolean
  reconnectTimer: ReturnType<typeof setTimeout> | undefined
  _openSocket: () => void
  _startReconnectTimer: () => void
}

const patched = new WeakSet<object>()

/** Patches the reconnect schedule of the torrent's WebSocket trackers (pinned 11.x internals). */
export function fastTrackerReconnect (torrent: Torrent): boolean {
  const trackers = (torrent as unknown as { discovery?: { tracker?: { _trackers?: WsTracker[] } } }).discovery?.tracker?._trackers
  if (!Array.isArray(trackers) || trackers.length === 0) return false
  for (const t of trackers) {
    const proto = Object.getPrototypeOf(t) as WsTracker
    if (typeof proto._startReconnectTimer !== 'function' || typeof proto._openSocket !== 'function' || patched.has(proto)) continue
    patched.add(proto)
    proto._startReconnectTimer = function (this: WsTracker) {
      const ms = Math.min(FIRST_RETRY_MS * 2 ** this.retries, MAX_RETRY_MS) + Math.floor(Math.random() * JITTER_MS)
      this.reconnecting = true
      clearTimeout(this.reconnectTimer)
      // No `destroyed` check: a socket close destroys the tracker before this
      // timer starts and _openSocket revives it; a real destroy clears the timer.
      this.reconnectTimer = setTimeout(() => {
        this.retries++
        this._openSocket()
      }, ms)
    }
  }
  return true
}
