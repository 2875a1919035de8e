// Who holds which pieces: this tab (its bitfield) or a connected wire that
// is not choking this visitor (issue 13: a peer whose budget is spent is no
// holder). A wire that just connected has not sent its bitfield yet; "no
// peer has it" decided in that instant is wrong, so a request waits briefly
// for fresh wires.
import type { Torrent, Wire } from 'webtorrent/dist/webtorrent.min.js'

/** Within the SW's LEADER_ANSWER_MS (600 ms): how long a request waits for fresh wires to speak. */
export const ENGINE_BITFIELD_WAIT_MS = 250
/** Wires younger than this may still be about to send their bitfield. */
const FRESH_WIRE_MS = 1500
const POLL_MS = 25

export class Holders {
  private readonly seen = new WeakMap<Wire, number>()
  private readonly spoke = new WeakSet<Wire>()
  /**
   * Wires that choked this visitor after having unchoked it (their upload
   * budget is spent, or their slots went to others): not holders until they
   * unchoke again. A wire that never unchoked is only waiting for our
   * interest, which a request sends, so it still counts.
   */
  private readonly choking = new WeakSet<Wire>()

  constructor (private readonly torrent: Torrent) {
    torrent.on('wire', (wire: Wire) => {
      this.seen.set(wire, Date.now())
      wire.once('bitfield', () => this.spoke.add(wire))
      wire.once('have', () => this.spoke.add(wire))
      wire.once('have-all', () => this.spoke.add(wire))
      wire.once('have-none', () => this.spoke.add(wire))
      let unchoked = false
      wire.on('unchoke', () => { unchoked = true; this.choking.delete(wire) })
      wire.on('choke', () => { if (unchoked) this.choking.add(wire) })
    })
  }

  /** A connected wire that may send piece i now. */
  private holder (w: Wire, i: number): boolean {
    return !w.destroyed && !this.choking.has(w) && w.peerPieces.get(i)
  }

  /** This tab or a connected, unchoked wire holds every piece p0..p1. */
  hold (p0: number, p1: number): boolean {
    const t = this.torrent
    for (let i = p0; i <= p1; i++) {
      if (t.bitfield.get(i)) continue
      if (!t.wires.some((w) => this.holder(w, i))) return false
    }
    return true
  }

  /** hold(), after giving wires that connected moments ago a chance to send their bitfield. */
  async wait (p0: number, p1: number, signal?: AbortSignal): Promise<boolean> {
    if (this.hold(p0, p1)) return true
    const now = Date.now()
    const fresh = this.torrent.wires.some((w) => !this.spoke.has(w) && now - (this.seen.get(w) ?? 0) < FRESH_WIRE_MS)
    if (!fresh) return false
    const deadline = now + ENGINE_BITFIELD_WAIT_MS
    while (Date.now() < deadline && !signal?.aborted) {
      await new Promise((r) => setTimeout(r, POLL_MS))
      if (this.hold(p0, p1)) return true
    }
    return false
  }
}
