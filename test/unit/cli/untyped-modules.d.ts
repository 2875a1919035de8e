// Test-only declarations for the untyped packages the CLI tests cross-check against.
declare module 'create-torrent' {
  interface CreateTorrentOptions {
    name?: string
    pieceLength?: number
    announceList?: string[][]
    createdBy?: string
    creationDate?: Date | number
    private?: boolean
  }
  type Input = Uint8Array & { name?: string }
  export default function createTorrent (input: Input[], opts: CreateTorrentOptions, cb: (err: Error | null, torrent: Uint8Array) => void): void
}

declare module 'parse-torrent' {
  interface ParsedTorrentFile { path: string, name: string, length: number, offset: number }
  interface ParsedTorrent {
    infoHash: string
    name: string
    announce: string[]
    files: ParsedTorrentFile[]
    length: number
    pieceLength: number
    lastPieceLength: number
    pieces: string[]
  }
  export default function parseTorrent (id: Uint8Array | string): Promise<ParsedTorrent>
}

// The slice of webtorrent 3.0.21 (Node, pinned) the stock-client test drives.
declare module 'webtorrent' {
  import type { EventEmitter } from 'node:events'
  interface Torrent extends EventEmitter {
    done: boolean
    progress: number
    files: Array<{ path: string, length: number }>
    addPeer: (peer: string) => boolean
  }
  interface Options { dht?: boolean, lsd?: boolean, tracker?: boolean, utp?: boolean, natUpnp?: boolean, natPmp?: boolean, webSeeds?: boolean }
  export default class WebTorrent extends EventEmitter {
    constructor (opts?: Options)
    torrentPort: number
    add: (torrent: Uint8Array, opts: { path: string }) => Torrent
    destroy: (cb?: (err: Error | null) => void) => void
  }
}
