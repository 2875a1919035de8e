// What the engine reports to every tab and to stats().
import type { Torrent } from 'webtorrent/dist/webtorrent.min.js'
import type { EngineStatus } from '../shared/protocol.js'
import type { Bans } from './bans.js'
import type { PrefetchProgress } from './prefetch.js'
import type { PatchReport } from './patches/index.js'

export interface StatusSources {
  torrent: Torrent
  numPieces: number
  bans: Bans
  patches: PatchReport
  prefetch: () => PrefetchProgress
  piecesInMemory: () => number
  startedAt: number
  readyAt: number
  firstPeerAt: () => number | null
  running: () => boolean
}

export function statusOf (s: StatusSources): EngineStatus {
  const t = s.torrent
  let held = 0
  for (let i = 0; i < s.numPieces; i++) if (t.bitfield.get(i)) held++
  return {
    running: s.running(),
    infoHash: t.infoHash,
    peers: t.wires.filter((w) => !w.destroyed).length,
    bytesUploaded: t.uploaded,
    // WebTorrent's `downloaded` sums the verified pieces held, so pieces the
    // SW kept from the origin (hedged units) or from its cache would count as
    // peer bytes; `received` counts what arrived over the wires.
    bytesDownloaded: t.received,
    uploadSpeed: t.uploadSpeed,
    downloadSpeed: t.downloadSpeed,
    piecesHeld: held,
    piecesTotal: s.numPieces,
    banned: s.bans.banned.size,
    bytesWasted: s.bans.wastedBytes,
    startedAt: s.startedAt,
    firstPeerAt: s.firstPeerAt(),
    readyAt: s.readyAt,
    prefetch: { ...s.prefetch() },
    patches: { ...s.patches },
    piecesInMemory: s.piecesInMemory()
  }
}
