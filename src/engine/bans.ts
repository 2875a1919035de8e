// WebTorrent 3 never bans a peer that sends bad pieces (webtorrent #2432): it
// warns and asks again, forever. Pieces here are 16 KiB (one BitTorrent block),
// so a failed piece names its sender exactly; that wire is cut at once and its
// peer id refused for the rest of the session.
import type { Torrent, Wire } from 'webtorrent/dist/webtorrent.min.js'

const FAILED = /Piece (\d+) failed verification/

export class Bans {
  readonly banned = new Set<string>()
  /** Bytes received in pieces that failed verification. */
  wastedBytes = 0
  private contributors = new Map<number, Set<Wire>>()

  constructor (torrent: Torrent, private readonly onBan: (peerId: string) => void = () => {}) {
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

  ban (wire: Wire): void {
    if (wire.peerId) {
      this.banned.add(wire.peerId)
      this.onBan(wire.peerId)
    }
    wire.destroy()
  }
}
