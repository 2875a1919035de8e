// The loader's public stats shape and the engine module's entry point.
import type { AssetDelivery, EngineStatus } from '../shared/protocol.js'

/** What window.swarmcdn.stats() resolves to (README, public contract). */
export interface SwarmcdnStats {
  bytesFromPeers: number
  bytesFromOrigin: number
  bytesFromCache: number
  bytesUploaded: number
  bytesPrefetched: number
  bytesRejected: number
  peers: number
  leader: boolean
  engine: EngineStatus | null
  p2p: boolean
  optedOut: boolean
  controlled: boolean
  infoHash: string | null
  assets: Record<string, AssetDelivery>
}

/** Handle on a running engine. */
export interface EngineHandle { stop: () => Promise<void>, status: () => EngineStatus }

/** swarmcdn-engine.js, imported lazily in the leader tab only. */
export interface EngineModule {
  start: (o: {
    manifestUrl: string, scope: string, iceServers: RTCIceServer[], iceTransportPolicy: RTCIceTransportPolicy, uploadLimit: number,
    uploadBudget: number, prefetchBudget: number, storageBudget?: number, playersStartedOutside?: boolean, debug: boolean, onStatus: (s: EngineStatus) => void
  }) => Promise<EngineHandle>
}
