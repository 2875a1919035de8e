// Upload policy: a visitor is never turned into a free CDN. Past the page's
// upload budget every wire is choked for good; a rate limit throttles the rest.
//
// The budget is checked where a piece is handed to a wire, not where the
// torrent counts uploaded bytes: WebTorrent counts them as they leave its
// throttled pipe to the data channel, so several pieces already queued in
// that pipe would still go out (and count) after the budget had run out.
import type { Torrent, Wire } from 'webtorrent/dist/webtorrent.min.js'

export interface UploadPolicy { readonly blocked: boolean }

export function uploadPolicy (torrent: Torrent, budget: number): UploadPolicy {
  let blocked = false
  /** Piece bytes handed to any wire so far. */
  let committed = 0
  const silence = (w: Wire): void => { w.choke(); w.unchoke = () => {} }
  const block = (): void => {
    if (blocked) return
    blocked = true
    for (const w of torrent.wires) silence(w)
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
