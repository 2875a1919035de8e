// Reports this visitor's peer traffic to the origin (POST <scope>swarmcdn/report),
// which cannot see it otherwise: bytes the pages received from peers, and
// bytes uploaded. The caller hands over its running totals whenever they
// change; this module sends the deltas since the last accepted report, at
// most once per REPORT_INTERVAL_MS, as one small JSON body. The baseline is
// kept in IndexedDB, so a restarted worker (Chromium stops idle workers after
// ~30 s) never reports the same bytes twice.
import { get, set } from 'idb-keyval'
import { idbKey } from '../src/shared/cache-keys.js'

declare const self: ServiceWorkerGlobalScope

/** The origin admits about 4 reports a second per address (src/server/reports.ts); one per 10 s per visitor is far below. */
export const REPORT_INTERVAL_MS = 10_000
/** Per scope: each site's counters have their own baseline (cache-keys.ts). */
const KEY = idbKey('reported', self.registration.scope)

export interface ReportTotals {
  bytesFromPeers: number
  bytesFromOrigin: number
  bytesFromCache: number
  bytesPrefetched: number
  /** The leader engine's uploads, when the worker knows them. */
  bytesUploaded?: number
}

const FIELDS = ['bytesFromPeers', 'bytesFromOrigin', 'bytesFromCache', 'bytesPrefetched', 'bytesUploaded'] as const
type Totals = Record<(typeof FIELDS)[number], number>

let latest: Totals | null = null
let latestRelease: string | null = null
let baseline: Promise<Totals | null> | null = null
let timer: ReturnType<typeof setTimeout> | null = null
let lastSent = 0
let sending = false

const full = (t: ReportTotals): Totals => ({ ...t, bytesUploaded: t.bytesUploaded ?? 0 })

/**
 * Hand over the running totals (cumulative, as the worker's own counters) and
 * the release they belong to. Cheap: it only schedules a report.
 */
export function reportCounters (totals: ReportTotals, infoHash: string | null): void {
  latest = full(totals)
  latestRelease = infoHash
  if (timer !== null || sending) return
  const wait = Math.max(0, lastSent + REPORT_INTERVAL_MS - Date.now())
  timer = setTimeout(() => { timer = null; void send() }, wait)
}

async function send (): Promise<void> {
  if (latest === null) return
  sending = true
  try {
    baseline ??= get<Totals>(KEY).then((v) => v ?? null, () => null)
    const base = await baseline
    const now = latest
    const delta: Partial<Totals> = {}
    let any = false
    for (const k of FIELDS) {
      // Counters saved before a restart may trail the baseline by a moment: never negative.
      const d = Math.max(0, now[k] - (base?.[k] ?? 0))
      if (d > 0) { delta[k] = d; any = true }
    }
    if (!any) return
    const body = JSON.stringify({ kind: 'visitor', ...(latestRelease !== null ? { infoHash: latestRelease } : {}), bytesFromPeers: 0, bytesUploaded: 0, ...delta })
    lastSent = Date.now()
    // keepalive: the report survives the worker being stopped right after.
    const res = await fetch(new URL('swarmcdn/report', self.registration.scope), {
      method: 'POST',
      body,
      headers: { 'Content-Type': 'application/json' },
      keepalive: true,
      credentials: 'omit',
      cache: 'no-store'
    })
    // Accepted, or refused for good (a static host without the endpoint, a malformed body): move on.
    // 429 and 5xx keep the delta for the next report.
    if (res.ok || (res.status >= 400 && res.status < 500 && res.status !== 429)) {
      const next = { ...now }
      baseline = Promise.resolve(next)
      await set(KEY, next).catch(() => {})
    }
  } catch {
    // Offline or origin down: the delta stays for the next report.
  } finally {
    sending = false
    if (latest !== null && timer === null) {
      // Totals that changed while sending get their own report, after the interval.
      const pending = latest
      const base = await baseline
      if (FIELDS.some((k) => pending[k] > (base?.[k] ?? 0))) reportCounters(pending, latestRelease)
    }
  }
}
