// Prometheus metrics on a registry of our own (never prom-client's global one,
// so two servers in one process, as in tests, do not collide).
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client'

export interface TrackerGauges {
  peers: number
  swarms: number
  connections: number
}

export interface Metrics {
  registry: Registry
  originBytes: Counter
  originRequests: Counter
  /** Labelled by manifest asset path only: bounded by the manifest, unlike raw URL paths. */
  originAssetBytes: Counter<'asset'>
  trackerAnnounces: Counter
  trackerRejected: Counter<'reason'>
}

/**
 * Metrics counters only ever grow (Prometheus computes rates from them);
 * the benchmarks' stats reset touches the JSON stats, not these.
 */
export function createMetrics (trackerGauges: () => TrackerGauges): Metrics {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry })
  const registers = [registry]
  const originBytes = new Counter({ name: 'swarmcdn_origin_bytes_total', help: 'Body bytes of static files sent by the origin', registers })
  const originRequests = new Counter({ name: 'swarmcdn_origin_requests_total', help: 'GET/HEAD requests for static files answered by the origin', registers })
  const originAssetBytes = new Counter({ name: 'swarmcdn_origin_asset_bytes_total', help: 'Body bytes sent by the origin for each asset of the current manifest', labelNames: ['asset'] as const, registers })
  new Gauge({ name: 'swarmcdn_tracker_peers', help: 'Peers over all swarms', registers, collect () { this.set(trackerGauges().peers) } })
  new Gauge({ name: 'swarmcdn_tracker_swarms', help: 'Swarms with at least one peer', registers, collect () { this.set(trackerGauges().swarms) } })
  new Gauge({ name: 'swarmcdn_tracker_connections', help: 'Open WebSocket connections to the tracker', registers, collect () { this.set(trackerGauges().connections) } })
  const trackerAnnounces = new Counter({ name: 'swarmcdn_tracker_announces_total', help: 'Announce messages admitted by the tracker', registers })
  const trackerRejected = new Counter({ name: 'swarmcdn_tracker_rejected_total', help: 'Tracker messages or connections refused, by reason', labelNames: ['reason'] as const, registers })
  return { registry, originBytes, originRequests, originAssetBytes, trackerAnnounces, trackerRejected }
}
