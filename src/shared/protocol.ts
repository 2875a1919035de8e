// Messages between the page (loader + engine) and the service worker.
// Window → SW messages go through `postMessage` on the controller; the
// leader's engine then talks to the SW over a dedicated MessagePort.

export type Source = 'peer' | 'origin' | 'cache'

/** Response header naming where the SW got the bytes (public contract). */
export const SOURCE_HEADER = 'X-SwarmCDN-Source'

/** Why a request did not come from a peer; carried in delivery events. */
export type FallbackReason =
  | 'no-leader'
  | 'leader-timeout'
  | 'no-peer-has-it'
  | 'engine-not-ready'
  | 'first-byte-timeout'
  | 'stalled'
  | 'peer-hash-mismatch'
  | 'peer-length-mismatch'
  | 'release-mismatch'

export interface Counters {
  bytesFromPeers: number
  bytesFromOrigin: number
  bytesFromCache: number
  requestsFromPeers: number
  requestsFromOrigin: number
  requestsFromCache: number
  /** Bytes fetched from peers ahead of navigation into the verified cache. */
  bytesPrefetched: number
  /** Peer bytes that failed verification and were thrown away. */
  bytesRejected: number
}

export interface AssetDelivery {
  source: Source
  bytes: number
  at: number
  reason?: FallbackReason
}

export interface SwStats extends Counters {
  infoHash: string | null
  manifestError: string | null
  /** The kill switch fired in this SW: it is unregistering. */
  killed: boolean
  leader: boolean
  assets: Record<string, AssetDelivery>
}

/** What the engine reports to every tab (BroadcastChannel) and to stats(). */
export interface EngineStatus {
  running: boolean
  infoHash: string | null
  peers: number
  bytesUploaded: number
  bytesDownloaded: number
  uploadSpeed: number
  downloadSpeed: number
  piecesHeld: number
  piecesTotal: number
  banned: number
  /** Bytes received in pieces that failed verification (bans.ts). */
  bytesWasted: number
  startedAt: number
  firstPeerAt: number | null
  /** When the engine answered its first request or joined (ms since epoch). */
  readyAt: number | null
  /** Peer prefetch for the next pages in this page's life. */
  prefetch: { planned: number, done: number, bytes: number, finishedAt: number | null }
}

// ── window → SW (controller.postMessage) ──────────────────────────────────
export type PageToSw =
  | { type: 'swarmcdn:leader', port: MessagePort, infoHash: string }
  | { type: 'swarmcdn:stats', reply: MessagePort }
  | { type: 'swarmcdn:manifest', reply: MessagePort }
  /** Verify and keep assets this page loaded before the SW controlled it. */
  | { type: 'swarmcdn:adopt', paths: string[] }
  /** Kill switch for this visitor: unregister, drop caches, stop sharing. */
  | { type: 'swarmcdn:disable' }

// ── SW → window ───────────────────────────────────────────────────────────
export type SwToPage =
  | { type: 'swarmcdn:need-leader' }
  | { type: 'swarmcdn:delivery', path: string, delivery: AssetDelivery }
  | { type: 'swarmcdn:release', infoHash: string | null }
  /** The kill switch fired: stop P2P now. */
  | { type: 'swarmcdn:killed' }

// ── over the leader port: SW → engine ─────────────────────────────────────
export type SwToEngine =
  /** Bytes [start, end) of the asset at `path` (asset-relative offsets). */
  | { t: 'get', id: number, path: string, start: number, end: number, infoHash: string }
  | { t: 'cancel', id: number }
  /** The SW verified and cached this asset: the engine may seed it. */
  | { t: 'have', path: string, infoHash: string }
  | { t: 'ping', n: number }
  /** Prefetch: bytes passed the SW's SHA-256 check and were stored. */
  | { t: 'stored', path: string, ok: boolean }

// ── over the leader port: engine → SW ─────────────────────────────────────
export type EngineToSw =
  | { t: 'no', id: number, reason: FallbackReason }
  /** Transferable stream (Chromium, Firefox). */
  | { t: 'stream', id: number, stream: ReadableStream<Uint8Array> }
  /** Chunked fallback where streams are not transferable (Safari). */
  | { t: 'chunk', id: number, data: ArrayBuffer }
  | { t: 'end', id: number }
  | { t: 'error', id: number, reason: FallbackReason }
  | { t: 'pong', n: number }
  /** The leader's page is going away (pagehide): forget this port now. */
  | { t: 'bye' }
  /**
   * Connected peers, sent on every change: with none, the SW goes straight to
   * the origin instead of asking (the leader's main thread may be busy with a
   * page loading in the same renderer).
   */
  | { t: 'peers', n: number }
  /** Engine fetched an asset from peers ahead of navigation: verify and store it. */
  | { t: 'prefetched', path: string, infoHash: string, data: ArrayBuffer }

export function emptyCounters (): Counters {
  return {
    bytesFromPeers: 0,
    bytesFromOrigin: 0,
    bytesFromCache: 0,
    requestsFromPeers: 0,
    requestsFromOrigin: 0,
    requestsFromCache: 0,
    bytesPrefetched: 0,
    bytesRejected: 0
  }
}
