// What swarmcdn would offload, estimated from a site's access log.
//
// Visitors are (client IP, User-Agent) pairs; a visitor's session is a run of
// requests with gaps under `sessionGapMs`. A visitor holds an asset from its
// first request for it until the session ends (and seeds it meanwhile). For
// each asset, holders arrive at rate λ (sessions requesting it ÷ the log's
// time span) and stay E[h] on average, so by Little's law the mean number
// online at once is L = λ·E[h]. Arrivals independent of each other make the
// count online Poisson-distributed with mean L (the M/G/∞ queue), so a new
// requester finds at least one other holder with probability 1 − e^(−L):
// that is the share of its requests peers can answer, and of its bytes the
// origin no longer sends.
import type { LogEntry } from './access-log.js'

export const DEFAULT_SESSION_GAP_MS = 30 * 60_000
/**
 * A session of a single request has no measurable length, yet the visitor
 * reads the page for a while; it counts as this long. 30 s is conservative
 * next to Edgemesh's measured average peer session of 3 min 47 s.
 */
export const DEFAULT_MIN_SESSION_MS = 30_000

export interface EstimateOptions {
  sessionGapMs?: number
  minSessionMs?: number
  /** Which paths are assets swarmcdn would share (default: not pages, see isAssetPath). */
  isAsset?: (path: string) => boolean
}

export interface AssetEstimate {
  path: string
  requests: number
  /** Sessions that requested it (arrivals). */
  sessions: number
  /** Body bytes the origin sent for it in the log. */
  bytes: number
  /** Arrivals per hour. */
  arrivalsPerHour: number
  /** Mean time a requester holds it (s). */
  meanHoldSeconds: number
  /** L = λ·E[h]: requesters online at once, on average. */
  concurrent: number
  /** 1 − e^(−L). */
  offload: number
  /** offload × bytes. */
  savedBytes: number
}

export interface Estimate {
  entries: number
  skipped: number
  visitors: number
  sessions: number
  meanSessionSeconds: number
  spanSeconds: number
  assets: AssetEstimate[]
  totals: { bytes: number, savedBytes: number, offload: number | null }
}

/** Navigations are never shared: HTML pages and extensionless or folder paths are not assets. */
export function isAssetPath (path: string): boolean {
  if (path.endsWith('/')) return false
  // swarmcdn's own files (runtime, manifest, torrent) always come from the origin.
  if (/^\/swarmcdn(\.js|\.json|-sw\.js|-engine\.js|\/)/.test(path)) return false
  const last = path.slice(path.lastIndexOf('/') + 1)
  if (!last.includes('.')) return false
  return !/\.(html?|php|aspx?|jsp)$/i.test(last)
}

export function estimate (entries: Iterable<LogEntry>, opts: EstimateOptions = {}): Estimate {
  const gap = opts.sessionGapMs ?? DEFAULT_SESSION_GAP_MS
  const minSession = opts.minSessionMs ?? DEFAULT_MIN_SESSION_MS
  const isAsset = opts.isAsset ?? isAssetPath
  const byVisitor = new Map<string, LogEntry[]>()
  let count = 0
  let first = Infinity
  let last = -Infinity
  for (const e of entries) {
    count++
    first = Math.min(first, e.time)
    last = Math.max(last, e.time)
    const key = `${e.ip}\n${e.userAgent}`
    let list = byVisitor.get(key)
    if (list === undefined) { list = []; byVisitor.set(key, list) }
    list.push(e)
  }
  interface Acc { requests: number, sessions: number, bytes: number, hold: number }
  const acc = new Map<string, Acc>()
  let sessions = 0
  let sessionTime = 0
  for (const list of byVisitor.values()) {
    list.sort((a, b) => a.time - b.time)
    let start = 0
    for (let i = 1; i <= list.length; i++) {
      if (i < list.length && list[i].time - list[i - 1].time < gap) continue
      const s = list.slice(start, i)
      start = i
      const end = Math.max(s[s.length - 1].time, s[0].time + minSession)
      sessions++
      sessionTime += end - s[0].time
      const firstOf = new Map<string, number>()
      for (const e of s) {
        if (e.method !== 'GET' || (e.status !== 200 && e.status !== 206) || !isAsset(e.path)) continue
        const a = acc.get(e.path) ?? { requests: 0, sessions: 0, bytes: 0, hold: 0 }
        acc.set(e.path, a)
        a.requests++
        a.bytes += e.bytes
        if (!firstOf.has(e.path)) firstOf.set(e.path, e.time)
      }
      for (const [path, t] of firstOf) {
        const a = acc.get(path)!
        a.sessions++
        a.hold += Math.max(end - t, minSession)
      }
    }
  }
  // The span over which arrivals are counted: the log's, but at least one session,
  // so a log of a few seconds does not claim a huge rate.
  const span = Math.max(last - first, minSession, 1)
  const assets: AssetEstimate[] = [...acc].map(([path, a]) => {
    const lambda = a.sessions / span
    const meanHold = a.hold / a.sessions
    const L = lambda * meanHold
    const offload = 1 - Math.exp(-L)
    return {
      path,
      requests: a.requests,
      sessions: a.sessions,
      bytes: a.bytes,
      arrivalsPerHour: lambda * 3_600_000,
      meanHoldSeconds: meanHold / 1000,
      concurrent: L,
      offload,
      savedBytes: Math.round(offload * a.bytes)
    }
  }).sort((x, y) => y.savedBytes - x.savedBytes || x.path.localeCompare(y.path))
  const bytes = assets.reduce((n, a) => n + a.bytes, 0)
  const savedBytes = assets.reduce((n, a) => n + a.savedBytes, 0)
  return {
    entries: count,
    skipped: 0,
    visitors: byVisitor.size,
    sessions,
    meanSessionSeconds: sessions > 0 ? sessionTime / sessions / 1000 : 0,
    spanSeconds: count > 0 ? (last - first) / 1000 : 0,
    assets,
    totals: { bytes, savedBytes, offload: bytes > 0 ? savedBytes / bytes : null }
  }
}
