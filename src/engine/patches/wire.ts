import type { Wire } from 'webtorrent/dist/webtorrent.min.js'
import { concatBytes } from '../bytes.js'
import { note } from './report.js'

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
