// WebTorrent 3 never bans a peer that sends bad pieces (webtorrent #2432): it
// warns and asks again, forever. Pieces here are 16 KiB (one BitTorrent block),
// so a failed piece names its sender exactly; that wire is cut at once and its
// peer id refused for the rest of the session.
import type { Torrent, Wire } from 'webtorrent/dist/webtorrent.min.js'

const FAILED = /Piece (\d+) failed verification/

/**
 * Largest block an honest peer sends in one piece message: webtorrent refuses
 * requests over 128 KiB (lib/torrent.js MAX_BLOCK_LENGTH) and itself asks for
 * 16 KiB blocks. bittorrent-protocol buffers a message of whatever length its
 * 4-byte prefix announces (up to 4 GiB), concatenating the whole buffer again on
 * every chunk, so one peer announcing an endless message froze the tab; a
 * longer prefix is a protocol violation and the wire is cut before buffering.
 */
const MAX_BLOCK_LENGTH = 128 * 1024
/** Piece message header (id, index, begin) plus room for extension messages' dictionaries. */
const MESSAGE_OVERHEAD = 1024

type GuardedWire = Wire & {
  _onMessageLength?: (buf: Uint8Array) => void
  _parse?: (size: number, parser: (buf: Uint8Array) => void) => void
  _parser?: (buf: Uint8Array) => void
}

export class Bans {
  readonly banned = new Set<string>()
  /** Bytes received in pieces that failed verification. */
  wastedBytes = 0
  private contributors = new Map<number, Set<Wire>>()
  /** Longest message length prefix a wire may announce (a bitfield can exceed a block on big torrents). */
  private readonly maxMessage: number

  constructor (torrent: Torrent, private readonly onBan: (peerId: string) => void = () => {}) {
    this.maxMessage = Math.max(MAX_BLOCK_LENGTH, Math.ceil(torrent.pieces.length / 8)) + MESSAGE_OVERHEAD
    torrent.on('wire', (wire: Wire) => this.onWire(wire))
    torrent.on('verified', (index: number) => { this.contributors.delete(index) })
    torrent.on('warning', (err: Error) => this.onWarning(err))
    // Refuse banned peers before a connection is even set up: each new
    // RTCPeerConnection counts against Chromium's per-tab limit.
    const addPeer = torrent._addPeer.bind(torrent)
    torrent._addPeer = (peer: unknown, type: string, ...rest: unknown[]) => {
      const id = typeof peer === 'object' && peer !== null ? (peer as { id?: unknown }).id : undefined
      if (typeof id === 'string' && this.banned.has(id)) {
        try { (peer as { destroy?: () => void }).destroy?.() } catch { /* already gone */ }
        return null
      }
      return addPeer(peer, type, ...rest)
    }
  }

  private onWire (wire: Wire): void {
    if (wire.peerId && this.banned.has(wire.peerId)) { wire.destroy(); return }
    wire.once('handshake', () => { if (wire.peerId && this.banned.has(wire.peerId)) wire.destroy() })
    this.guardMessageLength(wire)
    wire.on('piece', (index: number, _offset: number, buf: Uint8Array) => {
      let s = this.contributors.get(index)
      if (!s) this.contributors.set(index, s = new Set())
      s.add(wire)
      ;(wire as Wire & { _swarmcdnBytes?: Map<number, number> })._swarmcdnBytes ??= new Map()
      const m = (wire as Wire & { _swarmcdnBytes: Map<number, number> })._swarmcdnBytes
      m.set(index, (m.get(index) ?? 0) + buf.length)
    })
  }

  private onWarning (err: Error): void {
    const match = FAILED.exec(err?.message ?? '')
    if (!match) return
    const index = Number(match[1])
    const wires = this.contributors.get(index)
    this.contributors.delete(index)
    for (const w of wires ?? []) {
      const m = (w as Wire & { _swarmcdnBytes?: Map<number, number> })._swarmcdnBytes
      this.wastedBytes += m?.get(index) ?? 0
      m?.delete(index)
      this.ban(w)
    }
  }

  /** Wraps the wire's length-prefix parser (pinned webtorrent 3.0.21 internals). */
  private guardMessageLength (wire: Wire): void {
    const w = wire as GuardedWire
    const parseLength = w._onMessageLength
    if (typeof parseLength !== 'function') return
    const max = this.maxMessage
    w._onMessageLength = (buf: Uint8Array): void => {
      const length = new DataView(buf.buffer, buf.byteOffset, buf.byteLength).getUint32(0)
      if (length <= max) { parseLength.call(w, buf); return }
      // Swallow whatever else arrives before the close, then cut and ban.
      w._parse?.(Number.MAX_VALUE, () => {})
      this.ban(wire)
    }
    // The handshake may already have armed the original for the next message.
    if (w._parser === parseLength) w._parser = w._onMessageLength
  }

  ban (wire: Wire): void {
    if (wire.peerId) {
      this.banned.add(wire.peerId)
      this.onBan(wire.peerId)
    }
    wire.destroy()
  }
}
