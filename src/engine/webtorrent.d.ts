// The slice of webtorrent 3.0.21 (pinned) the engine uses, including the
// internals it must touch: there is no public API to seed bytes verified
// elsewhere or to ban a peer (webtorrent #2432). Tests cover each of them.
declare module 'webtorrent/dist/webtorrent.min.js' {
  export interface BitField {
    get: (i: number) => boolean
    set: (i: number, v?: boolean) => void
  }
  export interface Wire {
    peerId: string | null
    peerPieces: BitField
    type: string
    destroyed?: boolean
    uploaded: number
    downloaded: number
    destroy: () => void
    choke: () => void
    unchoke: () => void
    /** BEP 6 (fast extension) negotiated with this peer. */
    hasFast: boolean
    piece: (index: number, offset: number, buffer: Uint8Array) => void
    reject: (index: number, offset: number, length: number) => void
    have: (i: number) => void
    on: (ev: string, fn: (...args: any[]) => void) => void
    once: (ev: string, fn: (...args: any[]) => void) => void
    removeListener: (ev: string, fn: (...args: any[]) => void) => void
  }
  export interface TorrentFile {
    path: string
    name: string
    length: number
    offset: number
    /**
     * A FileIterator (with destroy) while pieces are missing; a plain async
     * generator (with return) once the file is complete (lib/file.js).
     */
    [Symbol.asyncIterator]: (opts: { start: number, end: number }) => {
      next: () => Promise<IteratorResult<Uint8Array>>
      destroy?: (cb?: () => void, err?: Error) => void
      return?: () => Promise<IteratorResult<Uint8Array>>
    }
  }
  export interface ChunkStore {
    put: (index: number, buf: Uint8Array, cb: (err?: Error | null) => void) => void
    get: (index: number, opts: unknown, cb: (err: Error | null, buf?: Uint8Array) => void) => void
  }
  export interface Torrent {
    infoHash: string
    ready: boolean
    destroyed: boolean
    pieceLength: number
    lastPieceLength: number
    length: number
    pieces: unknown[]
    files: TorrentFile[]
    wires: Wire[]
    numPeers: number
    uploaded: number
    downloaded: number
    /** Bytes that arrived over the wires (protocol messages included). */
    received: number
    uploadSpeed: number
    downloadSpeed: number
    bitfield: BitField
    store: ChunkStore
    _hashes: string[]
    _markVerified: (index: number) => void
    _addPeer: (peer: unknown, type: string, ...rest: unknown[]) => unknown
    on: (ev: string, fn: (...args: any[]) => void) => void
    once: (ev: string, fn: (...args: any[]) => void) => void
    removeListener: (ev: string, fn: (...args: any[]) => void) => void
    destroy: (opts?: unknown, cb?: (err?: Error) => void) => void
  }
  export interface WebTorrentOptions {
    tracker?: { rtcConfig?: RTCConfiguration, [k: string]: unknown } | boolean
    dht?: boolean
    lsd?: boolean
    utPex?: boolean
    webSeeds?: boolean
    maxConns?: number
    [k: string]: unknown
  }
  export default class WebTorrent {
    constructor (opts?: WebTorrentOptions)
    static WEBRTC_SUPPORT: boolean
    torrents: Torrent[]
    peerId: string
    add: (torrentId: Uint8Array, opts: Record<string, unknown>, onTorrent?: (t: Torrent) => void) => Torrent
    throttleUpload: (rate: number) => void
    destroy: (cb?: (err?: Error) => void) => void
    on: (ev: string, fn: (...args: any[]) => void) => void
  }
}
