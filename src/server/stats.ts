// The origin's own counters: ground truth for "bytes the origin served".
import type { ClusterStatsJson } from './cluster/relay.js'
import type { ReportedStatsJson } from './reports.js'

/**
 * Distinct paths tracked one by one; past this, new paths are folded into
 * OTHER_PATHS so a scanner requesting random URLs cannot grow memory without
 * bound. 10,000 covers any real site's asset list (and 404s are never
 * tracked per path anyway).
 */
export const MAX_TRACKED_PATHS = 10_000
export const OTHER_PATHS = '(other)'

export interface PathCounters {
  bytes: number
  requests: number
}

export interface OriginStatsJson {
  /** Body bytes the socket accepted for static files (headers not included). */
  bytesServed: number
  /** GET/HEAD requests for static files, whatever their status (200, 206, 304, 404, 416...). */
  requests: number
  /** Of those, answered 404. */
  notFound: number
  /** Of those, refused 400 (malformed or traversal attempts). */
  badRequests: number
  byPath: Record<string, PathCounters>
}

export interface TrackerStatsJson {
  /** Peers over all swarms (a peer in two swarms counts twice). */
  peers: number
  /** Swarms with at least one peer. */
  swarms: number
  /** Of the peers, those holding the whole release (`swarmcdn seed`, complete visitors). */
  seeders: number
  /** Open WebSocket connections to /announce. */
  connections: number
  /** Announce messages admitted since start (or reset). */
  announces: number
  /** Messages or connections refused, by reason. */
  rejected: Record<string, number>
  /** With `--redis`: this process's part in the tracker cluster. */
  cluster?: ClusterStatsJson
}

export interface ReleaseStatsJson {
  infoHash: string
  assets: number
  bytes: number
}

export interface StatsJson {
  origin: OriginStatsJson
  tracker: TrackerStatsJson
  release: ReleaseStatsJson | null
  /**
   * What visitors (and `swarmcdn seed`) reported at POST /swarmcdn/report:
   * peer traffic the origin cannot see. Labelled apart from the origin's own
   * counters above, which no client can change.
   */
  reported: ReportedStatsJson
  startedAt: string
  uptimeSeconds: number
}

export class OriginCounters {
  bytesServed = 0
  requests = 0
  notFound = 0
  badRequests = 0
  private readonly byPath = new Map<string, PathCounters>()

  private entry (path: string): PathCounters {
    let e = this.byPath.get(path)
    if (e) return e
    const key = this.byPath.size < MAX_TRACKED_PATHS ? path : OTHER_PATHS
    e = this.byPath.get(key)
    if (!e) {
      e = { bytes: 0, requests: 0 }
      this.byPath.set(key, e)
    }
    return e
  }

  /** A GET/HEAD for an existing file (any status but 404/400). */
  recordRequest (path: string): void {
    this.requests++
    this.entry(path).requests++
  }

  recordNotFound (): void {
    this.requests++
    this.notFound++
  }

  recordBadRequest (): void {
    this.requests++
    this.badRequests++
  }

  recordBytes (path: string, bytes: number): void {
    this.bytesServed += bytes
    this.entry(path).bytes += bytes
  }

  reset (): void {
    this.bytesServed = 0
    this.requests = 0
    this.notFound = 0
    this.badRequests = 0
    this.byPath.clear()
  }

  toJSON (): OriginStatsJson {
    const byPath: Record<string, PathCounters> = {}
    // Object.fromEntries-style definition: a path named "__proto__" stays a plain key.
    for (const [k, v] of this.byPath) Object.defineProperty(byPath, k, { value: { ...v }, enumerable: true, writable: true, configurable: true })
    return { bytesServed: this.bytesServed, requests: this.requests, notFound: this.notFound, badRequests: this.badRequests, byPath }
  }
}
