// Prometheus metrics on a registry of our own (never prom-client's global one,
// so two servers in one process, as in tests, do not collide).
//
// Label sets are bounded by design: reasons, kinds and directions are fixed
// unions. Per-asset labels (one series per manifest path) are off unless
// asked for (`perAssetLabels`), since a large site would make thousands of
// series per scrape.
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client'
import type { Manifest } from '../shared/manifest.js'
import type { ClusterStatsJson, RelayDirection, RelayKind } from './cluster/relay.js'
import type { DropReason } from './cluster/messages.js'

export interface TrackerGauges {
  peers: number
  swarms: number
  connections: number
  cluster?: ClusterStatsJson
}

export interface MetricsOptions {
  /** Also count origin bytes per manifest asset (`swarmcdn_origin_asset_path_bytes_total{asset}`). */
  perAssetLabels?: boolean
}

export interface Metrics {
  registry: Registry
  originBytes: Counter
  originRequests: Counter
  trackerAnnounces: Counter
  trackerRejected: Counter<'reason'>
  /** Bytes the origin sent for a manifest asset. */
  assetBytes: (path: string, bytes: number) => void
  /** A request for `path`: if it is a page of the manifest's page graph, counts what its view needs. */
  pageRequest: (manifest: Manifest | null, path: string) => void
  /** Cross-process relays of the tracker cluster. */
  clusterRelayed: (kind: RelayKind, direction: RelayDirection) => void
  clusterDropped: (reason: DropReason) => void
}

/**
 * Metrics counters only ever grow (Prometheus computes rates from them);
 * the benchmarks' stats reset touches the JSON stats, not these.
 */
export function createMetrics (trackerGauges: () => TrackerGauges, opts: MetricsOptions = {}): Metrics {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry })
  const registers = [registry]
  const originBytes = new Counter({ name: 'swarmcdn_origin_bytes_total', help: 'Body bytes of static files sent by the origin', registers })
  const originRequests = new Counter({ name: 'swarmcdn_origin_requests_total', help: 'GET/HEAD requests for static files answered by the origin', registers })
  const assetTotal = new Counter({ name: 'swarmcdn_origin_asset_bytes_total', help: 'Body bytes the origin sent for assets of the current manifest (what peers could have sent)', registers })
  const assetByPath = opts.perAssetLabels === true
    ? new Counter({ name: 'swarmcdn_origin_asset_path_bytes_total', help: 'Body bytes the origin sent for each asset of the current manifest', labelNames: ['asset'] as const, registers })
    : null
  const needed = new Counter({ name: 'swarmcdn_page_asset_bytes_needed_total', help: 'Bytes of non-media assets that page views needed, by the manifest page graph (offload = 1 - counted origin asset bytes / this)', registers })
  const neededFromOrigin = new Counter({ name: 'swarmcdn_page_asset_bytes_from_origin_total', help: 'Of the assets page views need, the bytes the origin sent', registers })
  let neededSum = 0
  let fromOriginSum = 0
  new Gauge({
    name: 'swarmcdn_offload_ratio',
    help: 'Swarm offload since start: 1 - origin bytes / bytes page views needed (non-media assets of the page graph); NaN before any page view',
    registers,
    collect () { this.set(neededSum > 0 ? 1 - fromOriginSum / neededSum : NaN) }
  })
  new Gauge({ name: 'swarmcdn_tracker_peers', help: 'Peers over all swarms of this process', registers, collect () { this.set(trackerGauges().peers) } })
  new Gauge({ name: 'swarmcdn_tracker_swarms', help: 'Swarms with at least one peer on this process', registers, collect () { this.set(trackerGauges().swarms) } })
  new Gauge({ name: 'swarmcdn_tracker_connections', help: 'Open WebSocket connections to the tracker', registers, collect () { this.set(trackerGauges().connections) } })
  const trackerAnnounces = new Counter({ name: 'swarmcdn_tracker_announces_total', help: 'Announce messages admitted by the tracker', registers })
  const trackerRejected = new Counter({ name: 'swarmcdn_tracker_rejected_total', help: 'Tracker messages or connections refused, by reason', labelNames: ['reason'] as const, registers })
  new Gauge({
    name: 'swarmcdn_cluster_redis_up',
    help: '1 when this tracker process shares swarms through Redis, 0 when Redis is unreachable (absent without --redis)',
    registers,
    collect () {
      const c = trackerGauges().cluster
      if (c === undefined) this.reset()
      else this.set(c.redis === 'up' ? 1 : 0)
    }
  })
  const relayed = new Counter({ name: 'swarmcdn_cluster_relayed_total', help: 'Offers and answers relayed to or from other tracker processes through Redis', labelNames: ['kind', 'direction'] as const, registers })
  const dropped = new Counter({ name: 'swarmcdn_cluster_dropped_total', help: 'Cross-process messages dropped, by reason', labelNames: ['reason'] as const, registers })

  // Per page: the non-media assets it needs (streamed media are watched in
  // part, so views x size would overstate them; the dashboard does the same).
  let pagesOf: Manifest | null = null
  let pageNeeds = new Map<string, number>()
  let neededAssets = new Set<string>()
  const pagesFor = (m: Manifest): Map<string, number> => {
    if (m === pagesOf) return pageNeeds
    pagesOf = m
    pageNeeds = new Map()
    neededAssets = new Set()
    for (const [key, page] of Object.entries(m.pages ?? {})) {
      let sum = 0
      for (const p of new Set(page.assets)) {
        const a = m.assets[p]
        if (a === undefined || /^(video|audio)\//.test(a.type)) continue
        sum += a.size
        neededAssets.add(p)
      }
      pageNeeds.set(key, sum)
    }
    return pageNeeds
  }

  return {
    registry,
    originBytes,
    originRequests,
    trackerAnnounces,
    trackerRejected,
    assetBytes (path, n) {
      assetTotal.inc(n)
      assetByPath?.inc({ asset: path }, n)
      if (neededAssets.has(path)) {
        fromOriginSum += n
        neededFromOrigin.inc(n)
      }
    },
    pageRequest (manifest, path) {
      if (manifest === null) return
      const pages = pagesFor(manifest)
      // `/` is also requested as `/index.html`.
      const key = pages.has(path) ? path : path.replace(/\/index\.html?$/, '/')
      const n = pages.get(key)
      if (n === undefined || n === 0) return
      neededSum += n
      needed.inc(n)
    },
    clusterRelayed (kind, direction) { relayed.inc({ kind, direction }) },
    clusterDropped (reason) { dropped.inc({ reason }) }
  }
}
