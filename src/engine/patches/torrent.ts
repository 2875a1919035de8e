import type { Torrent, Wire } from 'webtorrent/dist/webtorrent.min.js'
import { note } from './report.js'

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
