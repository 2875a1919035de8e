// Types for the part of bittorrent-tracker@11 (server side only) that we use.
// The package ships no types; this mirrors node_modules/bittorrent-tracker/server.js.
declare module 'bittorrent-tracker/server' {
  import type { EventEmitter } from 'node:events'
  import type { ServerOptions, WebSocket, WebSocketServer } from 'ws'

  /** `cb(null)` admits the announce; `cb(err)` refuses it with `err.message` as failure reason. */
  export type TrackerFilter = (infoHash: string, params: Record<string, unknown>, cb: (err: Error | null) => void) => void

  export interface TrackerServerOptions {
    /** Announce interval in ms; WebSocket clients are told a fifth of it. */
    interval?: number
    trustProxy?: boolean
    http?: boolean
    udp?: boolean
    ws?: boolean | ServerOptions
    stats?: boolean
    filter?: TrackerFilter
    peersCacheLength?: number
    peersCacheTtl?: number
  }

  export interface TrackerPeer {
    peerId: string
    /** WebSocket peers only; null once the peer is evicted. */
    socket?: TrackerSocket | null
  }

  export interface TrackerSwarm {
    infoHash: string
    complete: number
    incomplete: number
    /** An `lru` cache keyed by peer id (hex); `peek` does not refresh the entry. */
    peers: { length: number, keys: string[], peek: (peerId: string) => TrackerPeer | undefined }
  }

  /** The fields the server adds to each WebSocket it adopts. */
  export interface TrackerSocket extends WebSocket {
    peerId?: string | null
    infoHashes?: string[] | null
    onMessageBound?: ((data: unknown) => void) | null
    /** Set by the server once the socket closed. */
    destroyed?: boolean
  }

  export default class Server extends EventEmitter {
    static Swarm: new (infoHash: string, server: Server) => TrackerSwarm
    constructor (opts?: TrackerServerOptions)
    intervalMs: number
    ws: WebSocketServer | null
    torrents: Record<string, TrackerSwarm>
    destroyed: boolean
    onWebSocketConnection (socket: WebSocket, opts?: { trustProxy?: boolean }): void
    close (cb?: (err?: Error | null) => void): void
  }
}
