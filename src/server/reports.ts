// POST /swarmcdn/report: visitors (and `swarmcdn seed`) report the bytes they
// received from peers and uploaded to peers since their last report. The
// origin cannot see peer traffic, so these are the only source for it; they
// are labelled as reported, bounded, rate-limited per client, and the two
// sides of every transfer are cross-checked (each byte one peer received,
// another peer uploaded).
import type { IncomingMessage, ServerResponse } from 'node:http'
import { Counter, type Registry } from 'prom-client'
import { sendJson, sendText, setCors } from './http-util.js'

export const REPORT_PATH = '/swarmcdn/report'

/** A report is a handful of numbers; 1 KiB leaves room for field names and spaces. */
export const MAX_REPORT_BODY_BYTES = 1024
/**
 * Largest plausible figure in one report: a client reports at least every
 * minute, and 8 GiB a minute is over 1 Gbit/s sustained. Larger is refused as
 * implausible rather than let one client outweigh the swarm.
 */
export const MAX_REPORT_FIGURE = 8 * 1024 ** 3
/**
 * Per client address: a burst of 40 reports, then 4 a second. A visitor
 * reports at most every 10 s, so this admits about 40 visitors behind one
 * NAT address while bounding what one address can make the origin do.
 */
export const REPORT_BURST = 40
export const REPORTS_PER_SECOND = 4
/** Client addresses whose buckets are remembered; past this the fullest are forgotten. */
export const MAX_REPORT_CLIENTS = 10_000
/** A client that does not finish sending its body within this time is cut. */
const BODY_DEADLINE_MS = 5000

export type ReportRefusal = 'too-large' | 'malformed' | 'implausible' | 'rate-limited' | 'method'

/** One accepted report (deltas since the client's previous report). */
export interface VisitorReport {
  /** Release the bytes belong to (40 hex), when the client knows it. */
  infoHash: string | null
  bytesFromPeers: number
  bytesUploaded: number
  bytesFromOrigin: number
  bytesFromCache: number
  bytesPrefetched: number
  /** `seeder` for `swarmcdn seed`, `visitor` for browsers. */
  kind: 'visitor' | 'seeder'
}

export interface ReportedStatsJson {
  /** Bytes visitors say their pages received from peers (verified before use). */
  bytesFromPeers: number
  /** Bytes visitors and seeders say they uploaded to peers. */
  bytesUploaded: number
  bytesFromOrigin: number
  bytesFromCache: number
  bytesPrefetched: number
  /**
   * Cross-check: every byte one peer received (delivered to a page, or
   * prefetched into its verified cache), another uploaded, so with every
   * peer reporting both sums agree. `confirmedPeerBytes` is the smaller of
   * the two (what both sides vouch for), `uploadToDownload` their ratio
   * (null before any download); a gap means lost or false reports.
   */
  confirmedPeerBytes: number
  uploadToDownload: number | null
  reports: number
  seederReports: number
  refused: Record<ReportRefusal, number>
}

const FIGURES = ['bytesFromPeers', 'bytesUploaded', 'bytesFromOrigin', 'bytesFromCache', 'bytesPrefetched'] as const

/** Parses a report body; a string says why it is refused. */
export function parseReport (text: string): VisitorReport | 'malformed' | 'implausible' {
  let v: unknown
  try { v = JSON.parse(text) } catch { return 'malformed' }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return 'malformed'
  const o = v as Record<string, unknown>
  const out: VisitorReport = { infoHash: null, bytesFromPeers: 0, bytesUploaded: 0, bytesFromOrigin: 0, bytesFromCache: 0, bytesPrefetched: 0, kind: 'visitor' }
  for (const k of FIGURES) {
    const n = o[k]
    if (n === undefined) continue
    if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) return 'malformed'
    if (n > MAX_REPORT_FIGURE) return 'implausible'
    out[k] = n
  }
  if (o.bytesFromPeers === undefined && o.bytesUploaded === undefined) return 'malformed'
  if (o.infoHash !== undefined) {
    if (typeof o.infoHash !== 'string' || !/^[0-9a-f]{40}$/i.test(o.infoHash)) return 'malformed'
    out.infoHash = o.infoHash.toLowerCase()
  }
  if (o.kind !== undefined) {
    if (o.kind !== 'visitor' && o.kind !== 'seeder') return 'malformed'
    out.kind = o.kind
  }
  return out
}

/** Token buckets per client address, bounded in number. */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number, at: number }>()
  constructor (private readonly burst = REPORT_BURST, private readonly perSecond = REPORTS_PER_SECOND, private readonly maxClients = MAX_REPORT_CLIENTS) {}

  take (client: string, now = Date.now()): boolean {
    let b = this.buckets.get(client)
    if (b === undefined) {
      if (this.buckets.size >= this.maxClients) this.forgetFull(now)
      b = { tokens: this.burst, at: now }
      this.buckets.set(client, b)
    }
    b.tokens = Math.min(this.burst, b.tokens + ((now - b.at) / 1000) * this.perSecond)
    b.at = now
    if (b.tokens < 1) return false
    b.tokens -= 1
    return true
  }

  /** Drops clients whose bucket has refilled (forgetting them changes nothing), else the oldest. */
  private forgetFull (now: number): void {
    for (const [k, b] of this.buckets) {
      if (b.tokens + ((now - b.at) / 1000) * this.perSecond >= this.burst) this.buckets.delete(k)
    }
    if (this.buckets.size >= this.maxClients) {
      const oldest = this.buckets.keys().next().value
      if (oldest !== undefined) this.buckets.delete(oldest)
    }
  }
}

export class ReportCounters {
  private sums = { bytesFromPeers: 0, bytesUploaded: 0, bytesFromOrigin: 0, bytesFromCache: 0, bytesPrefetched: 0 }
  private reports = 0
  private seederReports = 0
  private refused: Record<ReportRefusal, number> = { 'too-large': 0, malformed: 0, implausible: 0, 'rate-limited': 0, method: 0 }

  accept (r: VisitorReport): void {
    for (const k of FIGURES) this.sums[k] += r[k]
    this.reports++
    if (r.kind === 'seeder') this.seederReports++
  }

  refuse (reason: ReportRefusal): void {
    this.refused[reason]++
  }

  reset (): void {
    for (const k of FIGURES) this.sums[k] = 0
    this.reports = 0
    this.seederReports = 0
    for (const k of Object.keys(this.refused) as ReportRefusal[]) this.refused[k] = 0
  }

  toJSON (): ReportedStatsJson {
    const { bytesFromPeers, bytesUploaded } = this.sums
    return {
      ...this.sums,
      // Prefetched bytes came from peers too (into the verified cache, ahead of a navigation).
      confirmedPeerBytes: Math.min(bytesFromPeers + this.sums.bytesPrefetched, bytesUploaded),
      uploadToDownload: bytesFromPeers + this.sums.bytesPrefetched > 0 ? bytesUploaded / (bytesFromPeers + this.sums.bytesPrefetched) : null,
      reports: this.reports,
      seederReports: this.seederReports,
      refused: { ...this.refused }
    }
  }
}

export interface ReportSink {
  counters: ReportCounters
  limiter: RateLimiter
  /** Called for each accepted report (history, metrics). */
  onReport: (r: VisitorReport) => void
  onRefuse: (reason: ReportRefusal) => void
}

function refuse (res: ServerResponse, sink: ReportSink, status: number, reason: ReportRefusal, headers: Record<string, string> = {}): void {
  sink.counters.refuse(reason)
  sink.onRefuse(reason)
  sendText(res, status, `report refused: ${reason}`, { ...headers, Connection: 'close' })
}

/** Reads at most `max` bytes of body; null when the body is larger (the rest is not read). */
async function readBounded (req: IncomingMessage, max: number): Promise<string | null> {
  const declared = Number(req.headers['content-length'])
  if (Number.isFinite(declared) && declared > max) return null
  return await new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    const timer = setTimeout(() => { req.destroy(); reject(new Error('report body too slow')) }, BODY_DEADLINE_MS)
    req.on('data', (c: Buffer) => {
      size += c.length
      if (size > max) {
        clearTimeout(timer)
        req.pause()
        resolve(null)
        return
      }
      chunks.push(c)
    })
    req.on('end', () => { clearTimeout(timer); resolve(Buffer.concat(chunks).toString('utf8')) })
    req.on('error', (err) => { clearTimeout(timer); reject(err) })
  })
}

/** Handles a request to REPORT_PATH. */
export async function handleReport (req: IncomingMessage, res: ServerResponse, sink: ReportSink): Promise<void> {
  if (req.method === 'OPTIONS') {
    // Reports are same-origin; a cross-origin page may not post them.
    res.writeHead(204, { 'Content-Length': '0' })
    res.end()
    return
  }
  if (req.method !== 'POST') return refuse(res, sink, 405, 'method', { Allow: 'POST' })
  // The address the socket came from: forwarded headers are not trusted, any client could set them.
  const client = req.socket.remoteAddress ?? 'unknown'
  if (!sink.limiter.take(client)) return refuse(res, sink, 429, 'rate-limited', { 'Retry-After': '1' })
  const text = await readBounded(req, MAX_REPORT_BODY_BYTES)
  if (text === null) return refuse(res, sink, 413, 'too-large')
  const r = parseReport(text)
  if (r === 'malformed') return refuse(res, sink, 400, 'malformed')
  if (r === 'implausible') return refuse(res, sink, 422, 'implausible')
  sink.counters.accept(r)
  sink.onReport(r)
  setCors(res)
  sendJson(res, 202, { accepted: true })
}

/** Prometheus counters for reports, on the origin's own registry. */
export function reportMetrics (registry: Registry): { accepted: (r: VisitorReport) => void, refused: (reason: ReportRefusal) => void } {
  const registers = [registry]
  const peer = new Counter({ name: 'swarmcdn_reported_peer_bytes_total', help: 'Bytes visitors reported receiving from peers (reported by visitors, not measured by the origin)', registers })
  const up = new Counter({ name: 'swarmcdn_reported_uploaded_bytes_total', help: 'Bytes visitors and seeders reported uploading to peers (reported, not measured by the origin)', labelNames: ['kind'] as const, registers })
  const n = new Counter({ name: 'swarmcdn_reports_total', help: 'Reports accepted at POST /swarmcdn/report', labelNames: ['kind'] as const, registers })
  const bad = new Counter({ name: 'swarmcdn_reports_refused_total', help: 'Reports refused at POST /swarmcdn/report, by reason', labelNames: ['reason'] as const, registers })
  return {
    accepted (r) {
      peer.inc(r.bytesFromPeers)
      up.inc({ kind: r.kind }, r.bytesUploaded)
      n.inc({ kind: r.kind })
    },
    refused (reason) { bad.inc({ reason }) }
  }
}
