// `swarmcdn tracker`: the WebSocket tracker alone, for sites whose static files
// are served elsewhere.
import http from 'node:http'
import { join, resolve } from 'node:path'
import { MANIFEST_FILE } from '../shared/manifest.js'
import { createMetrics } from './metrics.js'
import { clusterFor, type ClusterFlags } from './cluster/index.js'
import { accessFor, guard, sendMetrics, sendServiceJson, sendServicePreflight, type ServiceFlags } from './service-access.js'
import { ReleaseWatcher } from './release.js'
import { mountTracker, ANNOUNCE_PATH } from './tracker.js'
import { admitter, parseInfoHashes } from './allow-list.js'
import { listenWithTracker } from './listen.js'
import { rawPathname, sendText, sendMethodNotAllowed, formatOrigin } from './http-util.js'
import type { TrackerStatsJson } from './stats.js'
import { METRICS_PATH } from './origin.js'
import { ICE_PATH, sendIce, turnConfig } from './turn.js'

export const TRACKER_STATS_PATH = '/stats'

export interface TrackerOptions extends ClusterFlags, ServiceFlags {
  /** Default 8000; 0 picks a free port. */
  port?: number
  /** Default 127.0.0.1. */
  host?: string
  /** Admit only these infohashes (40 hex), plus the releases of `dir` if given. */
  allow?: string[]
  /** A published site folder whose swarmcdn.json (current and previous release) is admitted. */
  dir?: string
  quiet?: boolean
  /** Concurrent WebSocket connections this process takes (default MAX_CONNECTIONS, 10,000). */
  maxConnections?: number
  /** Mint time-limited TURN credentials at GET /swarmcdn/ice (coturn `use-auth-secret`). */
  turn?: { secret: string, urls: string[], ttlSeconds?: number }
}

export interface RunningTracker {
  /** `ws://host:port/announce` */
  url: string
  port: number
  host: string
  statsUrl: string
  metricsUrl: string
  /** `http://host:port/swarmcdn/ice`, or null without `turn`. */
  iceUrl: string | null
  /** Admits every infohash (no --allow and no --dir given). */
  open: boolean
  stats: () => TrackerStatsJson
  close: () => Promise<void>
}

export async function startTracker (opts: TrackerOptions = {}): Promise<RunningTracker> {
  const host = opts.host ?? '127.0.0.1'
  const allow = parseInfoHashes(opts.allow ?? [])
  const turn = turnConfig(opts.turn ?? {})
  const warn = opts.quiet === true ? () => {} : (msg: string) => { console.error(`swarmcdn: warning: ${msg}`) }
  let release: ReleaseWatcher | undefined
  if (opts.dir !== undefined) {
    release = new ReleaseWatcher(join(resolve(opts.dir), MANIFEST_FILE), warn)
    await release.refresh()
  }
  const allowAll = allow.length === 0 && release === undefined
  const access = accessFor(opts)
  const metrics = createMetrics(() => tracker.stats())
  const cluster = clusterFor(opts, () => metrics)
  const tracker = mountTracker({
    ...(cluster !== undefined ? { cluster } : {}),
    ...(opts.maxConnections !== undefined ? { maxConnections: opts.maxConnections } : {}),
    admits: admitter({ allow, allowAll, ...(release ? { release } : {}) }),
    onAnnounce: () => { metrics.trackerAnnounces.inc() },
    onReject: (reason) => { metrics.trackerRejected.inc({ reason }) }
  })

  const server = http.createServer((req, res) => {
    const path = rawPathname(req)
    const method = req.method ?? 'GET'
    if (path === TRACKER_STATS_PATH) {
      if (method === 'OPTIONS') return sendServicePreflight(res, access)
      if (method !== 'GET' && method !== 'HEAD') return sendMethodNotAllowed(res)
      if (!guard(req, res, access)) return
      return sendServiceJson(res, tracker.stats(), access)
    }
    if (path === METRICS_PATH && (method === 'GET' || method === 'HEAD')) {
      if (!guard(req, res, access)) return
      sendMetrics(res, metrics.registry, access).catch(() => { sendText(res, 500, 'Internal Server Error') })
      return
    }
    if (path === ICE_PATH && turn !== null) return sendIce(req, res, turn)
    if (path === ANNOUNCE_PATH) return sendText(res, 426, 'Upgrade Required: the tracker speaks WebSocket', { Upgrade: 'websocket', Connection: 'Upgrade' })
    sendText(res, 404, 'Not Found')
  })
  tracker.attach(server)

  const { port, close } = await listenWithTracker(server, tracker, opts.port ?? 8000, host)
  const base = formatOrigin('http', host, port)
  return {
    url: `${formatOrigin('ws', host, port)}${ANNOUNCE_PATH}`,
    port,
    host,
    statsUrl: `${base}${TRACKER_STATS_PATH}`,
    metricsUrl: `${base}${METRICS_PATH}`,
    iceUrl: turn !== null ? `${base}${ICE_PATH}` : null,
    open: allowAll,
    stats: () => tracker.stats(),
    close
  }
}
