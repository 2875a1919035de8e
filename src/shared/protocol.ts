// Messages between the page (loader + engine) and the service worker.
import type { Outgoing } from './rpc.js'
// Window → SW messages go through `postMessage` on the controller; the
// leader's engine then talks to the SW over a dedicated MessagePort.

/** Where bytes came from; a counter counts each byte under one of these. */
export type ByteSource = 'peer' | 'origin' | 'cache'

/** A response's source: one of the above, or `mixed` when it combined them. */
export type Source = ByteSource | 'mixed'

/** Bytes of one delivery by where each came from. */
export type BytesBySource = Record<ByteSource, number>

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
  /** The engine answered the request with an error. */
  | 'engine-error'
  /** The origin's projected finish was ahead of the peers' (sw/rates.ts). */
  | 'origin-faster'

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
  /** The same bytes by where each came from (they sum to `bytes`). */
  bytesBySource: BytesBySource
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
  /** Bytes received from peers' wires (not pieces held: those include what the SW kept from the origin or its cache). */
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
  /** Which patches of pinned third-party internals applied (src/engine/patches/). */
  patches: Record<string, boolean>
  /** Pieces held only in memory until the SW keeps their unit (the chunk store's transient set). */
  piecesInMemory: number
}

// ── window → SW (controller.postMessage) ──────────────────────────────────
export type PageToSw =
  /** The leader's engine hands the SW its port; `storageBudget` (bytes) when the site set one. */
  | { type: 'swarmcdn:leader', port: MessagePort, infoHash: string, storageBudget?: number }
  | { type: 'swarmcdn:stats', reply: MessagePort }
  | { type: 'swarmcdn:manifest', reply: MessagePort }
  /** Verify and keep assets this page loaded before the SW controlled it. */
  | { type: 'swarmcdn:adopt', paths: string[] }
  /** Forget how these players of the sending page started, before the engine reloads them (sw/sources/media.ts). */
  | { type: 'swarmcdn:players-reset', paths: string[], reply: MessagePort }
  /** Kill switch for this visitor: unregister, drop caches, stop sharing. */
  | { type: 'swarmcdn:disable' }
  /**
   * Messages on a MessagePort do not keep a service worker alive (Chromium
   * stops it after ~30 s without events); a message to the SW itself does.
   */
  | { type: 'swarmcdn:heartbeat' }

// ── SW → window ───────────────────────────────────────────────────────────
export type SwToPage =
  /** The SW restarted and forgot the leader's port: the leader attaches again. */
  | { type: 'swarmcdn:need-leader' }
  /** The SW found a new release: the leader's engine joins its swarm. */
  | { type: 'swarmcdn:release', infoHash: string }
  | { type: 'swarmcdn:delivery', path: string, delivery: AssetDelivery }
  /** The kill switch fired: stop P2P now. */
  | { type: 'swarmcdn:killed' }

// ── over the leader port (typed RPC, src/shared/rpc.ts) ───────────────────

/** The engine's answer to `get`. */
export type GetAnswer =
  /** Transferable stream of exactly the asked bytes, unverified (Chromium, Firefox). */
  | { kind: 'stream', stream: ReadableStream<Uint8Array> }
  /** Streams are not transferable here (Safari): `chunk` notes follow, then `end` or `fail`. */
  | { kind: 'chunked' }
  | { kind: 'no', reason: FallbackReason }

/** What the engine serves to the SW. */
export type EngineMethods = {
  /** Bytes [start, end) of the asset at `path` (asset-relative offsets). */
  get: { params: { req: number, path: string, start: number, end: number, infoHash: string }, result: GetAnswer }
  /** Liveness, asked after a slow answer: the engine's message loop is alive. */
  ping: { params: Record<string, never>, result: { at: number } }
}

/** What the SW serves to the engine. */
export type SwMethods = {
  /** Bytes the engine prefetched from peers: verify with SHA-256, keep. */
  prefetched: { params: { path: string, infoHash: string, data: ArrayBuffer }, result: { ok: boolean } }
}

/** SW → engine notes. */
export type SwNotes = {
  /** The keeper stored these units (store index keys, see src/shared/units.ts). */
  kept: { infoHash: string, keys: string[] }
  /** The store evicted or lost these units. */
  dropped: { keys: string[] }
  /** The SW no longer reads request `req` (its page went away, or it switched to the origin). */
  stop: { req: number }
}

/** Engine → SW notes. */
export type EngineNotes = {
  /** The leader's page is going away (pagehide): forget this port now. */
  bye: Record<string, never>
  /**
   * Connected peers, sent on every change: with none, the SW goes straight to
   * the origin instead of asking (the leader's main thread may be busy with a
   * page loading in the same renderer).
   */
  peers: { n: number }
  /** The engine's upload total (this engine's life), for the visitor's report to the origin. */
  uploaded: { bytes: number }
  /** Chunked fallback of `get` call `id`. */
  chunk: { req: number, data: ArrayBuffer }
  end: { req: number }
  fail: { req: number, reason: FallbackReason }
}

/** Every message the SW sends on the leader port. */
export type SwToEngine = Outgoing<EngineMethods, SwMethods, SwNotes>
/** Every message the engine sends on the leader port. */
export type EngineToSw = Outgoing<SwMethods, EngineMethods, EngineNotes>

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
