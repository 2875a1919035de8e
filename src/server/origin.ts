// `swarmcdn serve`: static origin + WebSocket tracker + stats + metrics on one port.
import http, { type IncomingMessage, type ServerResponse } from 'node:http'
import { realpath, stat } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { MANIFEST_FILE } from '../shared/manifest.js'
import { createStaticHandler } from './static.js'
import { OriginCounters, type StatsJson } from './stats.js'
import { createMetrics } from './metrics.js'
import { clusterFor, type ClusterFlags } from './cluster/index.js'
import { accessFor, guard, sendMetrics, sendServiceJson, sendServicePreflight, type ServiceFlags } from './service-access.js'
import { ReleaseWatcher } from './release.js'
import { mountTracker, ANNOUNCE_PATH } from './tracker.js'
import { admitter, parseInfoHashes } from './allow-list.js'
import { listenWithTracker } from './listen.js'
import { REPORT_PATH, ReportCounters, RateLimiter, handleReport, reportMetrics } from './reports.js'
import { History, parseRange } from './history.js'
import { openAccessLog } from './access-log.js'
import { rawPathname, sendText, sendMethodNotAllowed, setCors, formatOrigin } from './http-util.js'
import { ICE_PATH, sendIce, turnConfig } from './turn.js'

export const STATS_PATH = '/swarmcdn/stats'
export const STATS_RESET_PATH = '/swarmcdn/stats/reset'
export const METRICS_PATH = '/metrics'
export const HISTORY_PATH = '/swarmcdn/history'

export interface ServerOptions extends ClusterFlags, ServiceFlags {
  /** Site folder to serve (usually the one `swarmcdn publish` wrote into). */
  dir: string
  /** Default 8080; 0 picks a free port (see RunningServer.port). */
  port?: number
  /** Default 127.0.0.1. */
  host?: string
  /** Expose `POST /swarmcdn/stats/reset` (benchmarks). Off by default. */
  resetStats?: boolean
  /** Infohashes (40 hex) the tracker admits besides the published releases. */
  allow?: string[]
  /** Bench knob: delay every static response's first byte by this many ms. */
  latencyMs?: number
  /** Bench knob: pace every static response body to this many bytes/s (each response separately). */
  bandwidthBytesPerSec?: number
  /** No warnings on stderr. */
  quiet?: boolean
  /** SQLite file of the per-minute history (GET /swarmcdn/history); without it the history lives in memory only. */
  historyFile?: string
  /** Append a combined-format line per request to this file (`swarmcdn estimate` reads it). */
  accessLog?: string
  /** Mint time-limited TURN credentials at GET /swarmcdn/ice (coturn `use-auth-secret`). */
  turn?: { secret: string, urls: string[], ttlSeconds?: number }
}

export interface RunningServer {
  /** `http://host:port/` */
  url: string
  port: number
  host: string
  /** `ws://host:port/announce` */
  trackerUrl: string
  statsUrl: string
  metricsUrl: string
  /** `http://host:port/swarmcdn/ice`, or null without `turn`. */
  iceUrl: string | null
  /** The same JSON as GET /swarmcdn/stats. */
  stats: () => StatsJson
  /** Zeroes the origin and tracker counters of stats() (not the Prometheus counters, which only grow). */
  resetStats: () => void
  /** Stops accepting, closes tracker sockets and keep-alive connections. Idempotent. */
  close: () => Promise<void>
}

async function checkDir (dir: string): Promise<string> {
  const root = resolve(dir)
  let isDir: boolean
  try {
    isDir = (await stat(root)).isDirectory()
  } catch {
    throw new Error(`${dir}: no such directory`)
  }
  if (!isDir) throw new Error(`${dir} is not a directory`)
  return root
}

export async function startServer (opts: ServerOptions): Promise<RunningServer> {
  const host = opts.host ?? '127.0.0.1'
  const root = await checkDir(opts.dir)
  const realRoot = await realpath(root)
  const allow = parseInfoHashes(opts.allow ?? [])
  const turn = turnConfig(opts.turn ?? {})
  const warn = opts.quiet === true ? () => {} : (msg: string) => { console.error(`swarmcdn: warning: ${msg}`) }

  const release = new ReleaseWatcher(join(root, MANIFEST_FILE), warn)
  await release.refresh()
  const counters = new OriginCounters()
  const reports = new ReportCounters()
  const reportLimiter = new RateLimiter()
  // The tracker is read lazily, at each flush (it is declared below).
  const accessLog = opts.accessLog !== undefined ? await openAccessLog(opts.accessLog) : null
  const history = await History.open({ file: opts.historyFile ?? null, peers: () => tracker.stats().peers, warn })
  const startedAt = new Date()

  // The gauges read the tracker lazily, at scrape time.
  const access = accessFor(opts)
  const metrics = createMetrics(() => tracker.stats(), { perAssetLabels: opts.metricsPerAsset === true })
  const cluster = clusterFor(opts, () => metrics)
  const reportCounters = reportMetrics(metrics.registry)
  const reportSink = {
    counters: reports,
    limiter: reportLimiter,
    onReport: (r: Parameters<typeof reportCounters.accepted>[0]) => {
      reportCounters.accepted(r)
      history.recordReport(r.infoHash ?? release.current?.infoHash ?? null, r.bytesFromPeers + r.bytesPrefetched, r.bytesUploaded)
    },
    onRefuse: reportCounters.refused
  }
  const tracker = mountTracker({
    ...(cluster !== undefined ? { cluster } : {}),
    admits: admitter({ release, allow }),
    onAnnounce: () => { metrics.trackerAnnounces.inc() },
    onReject: (reason) => { metrics.trackerRejected.inc({ reason }) }
  })

  const handleStatic = createStaticHandler({
    root,
    realRoot,
    typeFor: (path) => release.assetType(path),
    publishedFor: (path) => release.published(path),
    ...(opts.latencyMs !== undefined ? { latencyMs: opts.latencyMs } : {}),
    ...(opts.bandwidthBytesPerSec !== undefined ? { bandwidthBytesPerSec: opts.bandwidthBytesPerSec } : {}),
    hooks: {
      request: (path) => { counters.recordRequest(path); metrics.originRequests.inc(); metrics.pageRequest(release.current, path) },
      notFound: () => { counters.recordNotFound(); metrics.originRequests.inc() },
      badRequest: () => { counters.recordBadRequest(); metrics.originRequests.inc() },
      bytes: (path, n) => {
        counters.recordBytes(path, n)
        history.recordOrigin(release.current?.infoHash ?? null, n, release.isAsset(path))
        metrics.originBytes.inc(n)
        if (release.isAsset(path)) metrics.assetBytes(path, n)
      }
    }
  })

  const stats = (): StatsJson => ({
    origin: counters.toJSON(),
    tracker: tracker.stats(),
    release: release.summary(),
    reported: reports.toJSON(),
    startedAt: startedAt.toISOString(),
    uptimeSeconds: Math.round((Date.now() - startedAt.getTime()) / 1000)
  })
  const resetStats = (): void => {
    counters.reset()
    reports.reset()
    tracker.resetCounters()
  }

  async function route (req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = rawPathname(req)
    if (path === null) return sendText(res, 400, 'Bad Request')
    const method = req.method ?? 'GET'
    // Service endpoints: not origin asset traffic, never counted as such.
    if (path === STATS_PATH) {
      if (method === 'OPTIONS') return sendServicePreflight(res, access)
      if (method !== 'GET' && method !== 'HEAD') return sendMethodNotAllowed(res)
      await release.refresh()
      if (!guard(req, res, access)) return
      return sendServiceJson(res, stats(), access)
    }
    if (path === STATS_RESET_PATH && opts.resetStats === true) {
      if (method !== 'POST') return sendMethodNotAllowed(res, 'POST')
      resetStats()
      setCors(res)
      res.writeHead(204, { 'Cache-Control': 'no-store' })
      res.end()
      return
    }
    // A site published under a base (`--base /docs/`) reports to <base>swarmcdn/report (sw/report.ts).
    if (path.endsWith(REPORT_PATH)) return handleReport(req, res, reportSink)
    if (path === HISTORY_PATH) {
      if (method === 'OPTIONS') return sendServicePreflight(res, access)
      if (method !== 'GET' && method !== 'HEAD') return sendMethodNotAllowed(res, 'GET, HEAD')
      if (!guard(req, res, access)) return
      const range = parseRange(new URL(req.url ?? '/', 'http://x').searchParams.get('range') ?? 'hour')
      if (range === null) return sendText(res, 400, 'Bad Request: range is hour, day or week')
      return sendServiceJson(res, history.query(range), access)
    }
    if (path === METRICS_PATH) {
      if (method !== 'GET' && method !== 'HEAD') return sendMethodNotAllowed(res, 'GET, HEAD')
      if (!guard(req, res, access)) return
      await sendMetrics(res, metrics.registry, access)
      return
    }
    if (path === ICE_PATH && turn !== null) return sendIce(req, res, turn)
    if (path === ANNOUNCE_PATH) {
      return sendText(res, 426, 'Upgrade Required: the tracker speaks WebSocket', { Upgrade: 'websocket', Connection: 'Upgrade' })
    }
    return handleStatic(req, res, path)
  }

  const server = http.createServer((req, res) => {
    accessLog?.track(req, res)
    route(req, res).catch((err: unknown) => {
      console.error(`swarmcdn: ${req.method ?? ''} ${req.url ?? ''}: ${err instanceof Error ? err.message : String(err)}`)
      if (!res.headersSent) sendText(res, 500, 'Internal Server Error')
      else res.destroy()
    })
  })
  tracker.attach(server)

  const { port, close } = await listenWithTracker(server, tracker, opts.port ?? 8080, host)
  const base = formatOrigin('http', host, port)
  return {
    url: `${base}/`,
    port,
    host,
    trackerUrl: `${formatOrigin('ws', host, port)}${ANNOUNCE_PATH}`,
    statsUrl: `${base}${STATS_PATH}`,
    metricsUrl: `${base}${METRICS_PATH}`,
    iceUrl: turn !== null ? `${base}${ICE_PATH}` : null,
    stats,
    resetStats,
    close: async () => { await close(); await history.close(); await accessLog?.close() }
  }
}
