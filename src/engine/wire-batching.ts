// The engine's peer transfer path, made cheaper (coalesceUpdates and
// flushWithoutCopy below trim two per-piece costs of WebTorrent's receive side).
//
// Fewer, fuller data channel messages. Measured on a 32 MiB peer transfer,
// the machine's CPU went mostly to carrying messages (the network service's
// socket thread, each renderer's WebRTC thread, IPC), and bittorrent-protocol
// sends more of them than the bytes need:
// - a piece message is pushed as two chunks, its 13-byte header and its
//   16 KiB block, so each became two RTCDataChannel messages, the header in an
//   SCTP chunk of its own;
// - each request (17 bytes) is its own message, hundreds per scheduling round;
// - a `have` goes to every peer for every verified piece, seeders included,
//   which have no use for it.
// The wire is a byte stream (messages carry their own length prefix), so
// messages pushed in the same task travel as one data channel message, up to
// 64 KiB (the size every peer accepts when its SDP names no limit, RFC 8841);
// other BitTorrent clients read them the same. Pinned webtorrent 3.0.21 /
// bittorrent-protocol internals (`_push`, `_message`), like bans.ts.
import type { Wire } from 'webtorrent/dist/webtorrent.min.js'
import { concatBytes } from './bytes.js'

/** Largest merged message; a single larger message still goes whole, as before. */
const MAX_MESSAGE = 64 * 1024

type PushingWire = Wire & {
  _push?: (data: Uint8Array) => unknown
  _message?: (id: number, numbers: number[], data: Uint8Array | null) => void
}

export function batchWire (wire: Wire): void {
  const w = wire as PushingWire
  const push = w._push
  const message = w._message
  if (typeof push !== 'function' || typeof message !== 'function') return
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

  // A peer that holds a piece has no use for our `have` of it.
  const have = wire.have.bind(wire)
  wire.have = (index: number): void => {
    if (wire.peerPieces.get(index)) return
    have(index)
  }
}

type UpdatingTorrent = { _update?: () => void, _updateWireWrapper?: () => void, destroyed: boolean }

/**
 * WebTorrent schedules a full request-scheduling pass (one idle callback) for
 * every verified piece: 2,048 for a 32 MiB asset in 16 KiB pieces, each one
 * after the first finding nothing new to do. One pending pass does the same
 * work: it runs after the latest call, over every wire.
 */
export function coalesceUpdates (torrent: UpdatingTorrent): void {
  const run = torrent._updateWireWrapper
  if (typeof torrent._update !== 'function' || typeof run !== 'function') return
  let pending = false
  const pass = (): void => { pending = false; if (!torrent.destroyed) run.call(torrent) }
  torrent._update = (): void => {
    if (pending) return
    pending = true
    if (typeof requestIdleCallback === 'function') requestIdleCallback(pass, { timeout: 250 })
    else setTimeout(pass, 0)
  }
}

type PieceLike = { flush: () => Uint8Array | null, _buffer: Uint8Array[] | null, _chunks: number, _buffered: number, _cancellations: unknown, sources: unknown, _flushed: boolean }

/**
 * A piece that arrived as one block is handed on as that block: WebTorrent
 * copies every completed piece into a fresh buffer (Piece#flush), which at
 * 16 KiB pieces is one allocation and copy per block received. The block is a
 * view of the received message, which nothing writes to again.
 */
export function flushWithoutCopy (torrent: { pieces: unknown[] }): void {
  const piece = torrent.pieces.find((p): p is PieceLike => typeof (p as PieceLike | null)?.flush === 'function')
  if (!piece) return
  const proto = Object.getPrototypeOf(piece) as PieceLike & { _swarmcdnFlush?: boolean }
  if (proto._swarmcdnFlush) return
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
}
