// Piece urgency for the SW's requests (issue 13, point 2). WebTorrent asks
// its wires for pieces selection by selection, highest priority first
// (lib/torrent.js `_updateWire`, `select(from, to, priority)`); each file
// iterator selects its own range at priority 1. A request of the SW also
// selects the pieces of its first unit at FIRST_UNIT_PRIORITY, so the first
// block of every pending request comes before the rest of any, and a small
// asset (one unit) never waits behind a large one.
import type { Torrent } from 'webtorrent/dist/webtorrent.min.js'
import { requestPassNow } from './patches/index.js'

export const FIRST_UNIT_PRIORITY = 2

/** WebTorrent's public selection API (lib/torrent.js), and its request pass. */
interface Selecting {
  select: (from: number, to: number, priority?: number) => void
  deselect: (from: number, to: number) => void
  destroyed: boolean
}

/**
 * Selects pieces first[0]..first[1] at FIRST_UNIT_PRIORITY; call the result
 * once they are in or the request ended. Plain selections that touch merge
 * (lib/selections.js), and a deselect cuts its range out of all of them;
 * what is cut is downloaded already or still selected at priority 1 by its
 * request's file iterator, so a request loses at most its urgency, never
 * its pieces.
 */
export function urgent (torrent: Torrent, first: [number, number]): () => void {
  const t = torrent as unknown as Torrent & Selecting
  if (typeof t.select !== 'function' || typeof t.deselect !== 'function') return () => {}
  t.select(first[0], first[1], FIRST_UNIT_PRIORITY)
  // After the file iterator's own selection (created next, same task), one
  // request pass at once rather than after WebTorrent's idle callback.
  queueMicrotask(() => { requestPassNow(t) })
  let on = true
  return () => {
    if (!on) return
    on = false
    if (!t.destroyed) t.deselect(first[0], first[1])
  }
}
