// Upload policy: a visitor is never turned into a free CDN. Past the page's
// upload budget every wire is choked for good; a rate limit throttles the rest.
import type { Torrent, Wire } from 'webtorrent/dist/webtorrent.min.js'

export interface UploadPolicy { readonly blocked: boolean }

export function uploadPolicy (torrent: Torrent, budget: number): UploadPolicy {
  let blocked = false
  const silence = (w: Wire): void => { w.choke(); w.unchoke = () => {} }
  torrent.on('wire', (wire: Wire) => { if (blocked) silence(wire) })
  torrent.on('upload', () => {
    if (blocked || torrent.uploaded < budget) return
    blocked = true
    for (const w of torrent.wires) silence(w)
  })
  return { get blocked () { return blocked } }
}
