// The slice of webtorrent 3.0.21 (pinned; Node entry) the seeder uses.
declare module 'webtorrent' {
  import type { EventEmitter } from 'node:events'
  export interface NodeWire extends EventEmitter { remoteAddress?: string, type: string }
  export interface NodeTorrent extends EventEmitter {
    infoHash: string
    length: number
    progress: number
    done: boolean
    uploaded: number
    numPeers: number
    wires: NodeWire[]
    destroyed: boolean
  }
  export interface NodeTorrentOptions {
    announce?: string[]
    store?: unknown
    storeCacheSlots?: number
    deselect?: boolean
  }
  export interface NodeClientOptions {
    dht?: boolean
    lsd?: boolean
    utp?: boolean
    natUpnp?: boolean
    natPmp?: boolean
    webSeeds?: boolean
    uploadLimit?: number
    tracker?: { rtcConfig?: { iceServers?: unknown[] } }
  }
  export default class WebTorrent extends EventEmitter {
    constructor (opts?: NodeClientOptions)
    torrents: NodeTorrent[]
    add (torrent: Buffer, opts: NodeTorrentOptions): NodeTorrent
    remove (torrent: NodeTorrent | string, opts: { destroyStore?: boolean }, cb?: (err?: Error | null) => void): void
    throttleUpload (rate: number): void
    destroy (cb?: (err?: Error | null) => void): void
  }
}
