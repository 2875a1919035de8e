// Upload policy: a visitor is never turned into a free CDN. Past the page's
// upload budget every wire is choked for good and the visitor stops
// advertising its pieces (issue 13): a peer that still saw them would count
// it as a holder and wait on it for nothing. A rate limit throttles the rest.
//
// The budget is checked where a piece is handed to a wire, not where the
// torrent counts uploaded bytes: WebTorrent counts them as they leave its
// throttled pipe to the data channel, so several pieces already queued in
// that pipe would still go out (and count) after the budget had run out.
import type { Torrent, Wire } from 'webtorrent/dist/webtorrent.min.js'

export interface UploadPolicy { readonly blocked: boolean }

/** The parts of a bittorrent-protocol wire that advertise pieces. */
interface Advertising {
  bitfield?: (bf: { buffer: Uint8Array } | Uint8Array) => void
  haveAll?: () => void
  haveNone?: () => void
  /** BEP 54 (lt_donthave), which WebTorrent installs on every wire. */
  lt_donthave?: { donthave: (i: number) => void }
}

export function uploadPolicy (torrent: Torrent, budget: number): UploadPolicy {
  let blocked = false
  /** Piece bytes handed to any wire so far. */
  let committed = 0
  const silence = (w: Wire): void => {
    w.choke(); w.unchoke = () => {}
    // From now on this wire hears of no piece: a new wire gets an empty
    // bitfield (or have-none), and no have follows.
    const a = w as unknown as Wire & Advertising
    const send = a.bitfield?.bind(a)
    if (send) a.bitfield = (bf) => send(new Uint8Array(bf instanceof Uint8Array ? bf.length : bf.buffer.length))
    if (a.haveNone) { const none = a.haveNone.bind(a); a.haveAll = none }
    w.have = () => {}
  }
  /** Withdraws what a wire was already told (BEP 54), so its side stops counting this visitor as a holder. */
  const withdraw = (w: Wire): void => {
    const dont = (w as unknown as Advertising).lt_donthave
    if (!dont) return
    for (let i = 0; i < torrent.pieces.length; i++) if (torrent.bitfield.get(i)) dont.donthave(i)
  }
  const block = (): void => {
    if (blocked) return
    blocked = true
    for (const w of torrent.wires) { silence(w); withdraw(w) }
  }
  const guard = (w: Wire): void => {
    const send = w.piece.bind(w)
    w.piece = (index, offset, buffer) => {
      if (blocked || committed + buffer.length > budget) {
        block()
        // BEP 6: a peer that can hear a reject is told, so it asks elsewhere at once.
        if (w.hasFast) w.reject(index, offset, buffer.length)
        return
      }
      committed += buffer.length
      send(index, offset, buffer)
      if (committed >= budget) block()
    }
    if (blocked) silence(w)
  }
  for (const w of torrent.wires) guard(w)
  torrent.on('wire', guard)
  return { get blocked () { return blocked } }
}
