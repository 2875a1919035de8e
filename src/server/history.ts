// Per-minute history of the swarm's figures, kept for HISTORY_DAYS and
// persisted across restarts: SQLite (sql.js, compiled to WebAssembly, so no
// native build at install) exported atomically to one file.
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import { dirname } from 'node:path'
import initSqlJs, { type Database, type SqlJsStatic } from 'sql.js'

/** What site owners compare: this week with last week needs a little over 7 days. */
export const HISTORY_DAYS = 8
/** Live counts reach the table this often, so the dashboard's last point is at most this old. */
export const FLUSH_MS = 5000
/** The file is rewritten at most this often (and on stop): at most a minute is lost on a crash. */
export const PERSIST_MS = 60_000

export type HistoryRange = 'hour' | 'day' | 'week'

/** Bucket per range: about 60-100 points on each chart. */
export const RANGES: Record<HistoryRange, { seconds: number, bucketSeconds: number }> = {
  hour: { seconds: 3600, bucketSeconds: 60 },
  day: { seconds: 86_400, bucketSeconds: 900 },
  week: { seconds: 7 * 86_400, bucketSeconds: 7200 }
}

export interface MinuteFigures {
  /** Body bytes the origin sent, all files. */
  originBytes: number
  /** Of those, for assets of the manifest (what peers could have sent). */
  originAssetBytes: number
  /** Reported by visitors: received from peers. */
  peerBytes: number
  /** Reported by visitors and seeders: uploaded to peers. */
  uploadedBytes: number
  reports: number
}

export interface HistoryPoint extends MinuteFigures {
  /** Bucket start, ms since epoch. */
  t: number
  /** Most peers the tracker had online in the bucket. */
  peers: number
  /** min(peerBytes, uploadedBytes): what both sides of the transfers vouch for. */
  confirmedPeerBytes: number
  /** confirmedPeerBytes ÷ (confirmedPeerBytes + originAssetBytes), null without traffic. */
  offload: number | null
}

export interface HistoryJson {
  range: HistoryRange
  bucketSeconds: number
  from: number
  to: number
  points: HistoryPoint[]
  /** Sums over the range per release infohash (`-` for bytes outside any release). */
  byRelease: Record<string, MinuteFigures & { confirmedPeerBytes: number, offload: number | null }>
  /** Where the history is kept, or null when only in memory. */
  file: string | null
}

const FIELDS = ['originBytes', 'originAssetBytes', 'peerBytes', 'uploadedBytes', 'reports'] as const
const COLUMNS = ['origin_bytes', 'origin_asset_bytes', 'peer_bytes', 'uploaded_bytes', 'reports'] as const

const SCHEMA = `CREATE TABLE IF NOT EXISTS minutes (
  minute INTEGER NOT NULL,
  release TEXT NOT NULL,
  origin_bytes INTEGER NOT NULL DEFAULT 0,
  origin_asset_bytes INTEGER NOT NULL DEFAULT 0,
  peer_bytes INTEGER NOT NULL DEFAULT 0,
  uploaded_bytes INTEGER NOT NULL DEFAULT 0,
  reports INTEGER NOT NULL DEFAULT 0,
  peers INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (minute, release)
)`

// The WebAssembly module compiles once per process (about 100 ms), not per server.
let sqlJs: Promise<SqlJsStatic> | null = null

const empty = (): MinuteFigures => ({ originBytes: 0, originAssetBytes: 0, peerBytes: 0, uploadedBytes: 0, reports: 0 })
const offloadOf = (confirmed: number, origin: number): number | null => confirmed + origin > 0 ? confirmed / (confirmed + origin) : null

export interface HistoryOptions {
  /** SQLite file; null keeps the history in memory only. */
  file: string | null
  /** Peers online now (sampled at each flush). */
  peers: () => number
  now?: () => number
  warn?: (msg: string) => void
}

export class History {
  private pending = new Map<string, MinuteFigures>()
  private pendingMinute: number
  private peakPeers = 0
  private dirty = false
  private timers: Array<ReturnType<typeof setInterval>> = []
  private writing: Promise<void> = Promise.resolve()
  private closed = false

  private constructor (private readonly db: Database, private readonly opts: HistoryOptions) {
    this.pendingMinute = this.minute()
  }

  /** Opens (or creates) the history; a file that is not a readable database is an error, never overwritten. */
  static async open (opts: HistoryOptions): Promise<History> {
    sqlJs ??= initSqlJs()
    const SQL = await sqlJs
    let bytes: Uint8Array | undefined
    if (opts.file !== null) {
      try {
        bytes = await readFile(opts.file)
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new Error(`history ${opts.file}: ${(err as Error).message}`)
      }
    }
    const db = new SQL.Database(bytes)
    try {
      db.run(SCHEMA)
    } catch (err) {
      db.close()
      throw new Error(`history ${opts.file ?? ''}: not a swarmcdn history database (${(err as Error).message}); move it away or pass another --data-dir`)
    }
    const h = new History(db, opts)
    h.timers.push(setInterval(() => { h.flush() }, FLUSH_MS))
    if (opts.file !== null) h.timers.push(setInterval(() => { void h.persist() }, PERSIST_MS))
    for (const t of h.timers) t.unref()
    return h
  }

  private now (): number { return (this.opts.now ?? Date.now)() }
  private minute (): number { return Math.floor(this.now() / 60_000) }

  private add (release: string | null, f: Partial<MinuteFigures>): void {
    if (this.closed) return
    if (this.minute() !== this.pendingMinute) this.flush()
    const key = release ?? '-'
    let row = this.pending.get(key)
    if (row === undefined) { row = empty(); this.pending.set(key, row) }
    for (const k of FIELDS) row[k] += f[k] ?? 0
  }

  recordOrigin (release: string | null, bytes: number, isAsset: boolean): void {
    this.add(release, { originBytes: bytes, originAssetBytes: isAsset ? bytes : 0 })
  }

  recordReport (release: string | null, peerBytes: number, uploadedBytes: number): void {
    this.add(release, { peerBytes, uploadedBytes, reports: 1 })
  }

  /** Moves the live counts of the current minute into the table. */
  flush (): void {
    if (this.closed) return
    this.peakPeers = Math.max(this.peakPeers, this.opts.peers())
    const minute = this.pendingMinute
    const rows = [...this.pending]
    if (rows.length === 0) rows.push(['-', empty()])
    const stmt = this.db.prepare(`INSERT INTO minutes (minute, release, ${COLUMNS.join(', ')}, peers) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT (minute, release) DO UPDATE SET ${COLUMNS.map((c) => `${c} = ${c} + excluded.${c}`).join(', ')}, peers = max(peers, excluded.peers)`)
    try {
      for (const [release, f] of rows) stmt.run([minute, release, ...FIELDS.map((k) => f[k]), this.peakPeers])
    } finally {
      stmt.free()
    }
    this.pending.clear()
    this.dirty = true
    const current = this.minute()
    if (current !== minute) {
      this.pendingMinute = current
      this.peakPeers = this.opts.peers()
    }
  }

  /** Drops what is older than HISTORY_DAYS and writes the file atomically (temp file + rename). */
  async persist (): Promise<void> {
    const file = this.opts.file
    if (file === null || !this.dirty || this.closed) return
    this.flush()
    this.db.run('DELETE FROM minutes WHERE minute < ?', [this.minute() - HISTORY_DAYS * 1440])
    const bytes = this.db.export()
    this.dirty = false
    this.writing = this.writing.then(async () => {
      await mkdir(dirname(file), { recursive: true })
      const tmp = `${file}.${process.pid}.tmp`
      await writeFile(tmp, bytes)
      await rename(tmp, file)
    }).catch((err: unknown) => {
      this.dirty = true
      this.opts.warn?.(`history not saved to ${file}: ${err instanceof Error ? err.message : String(err)}`)
    })
    await this.writing
  }

  query (range: HistoryRange): HistoryJson {
    this.flush()
    const { seconds, bucketSeconds } = RANGES[range]
    const bucketMinutes = bucketSeconds / 60
    const to = this.minute() + 1
    // Exactly seconds / bucketSeconds buckets, the last one holding the current minute.
    const firstBucket = Math.floor((to - 1) / bucketMinutes) - seconds / bucketSeconds + 1
    const from = firstBucket * bucketMinutes
    const rows = this.db.exec(`SELECT minute / ${bucketMinutes} AS b, ${COLUMNS.map((c) => `sum(${c})`).join(', ')}, max(peers) FROM minutes WHERE minute >= ? AND minute < ? GROUP BY b ORDER BY b`, [from, to])
    const byBucket = new Map<number, number[]>()
    for (const v of rows[0]?.values ?? []) byBucket.set(Number(v[0]), v.slice(1).map(Number))
    const points: HistoryPoint[] = []
    for (let b = firstBucket; b * bucketMinutes < to; b++) {
      const v = byBucket.get(b) ?? []
      const f = empty()
      FIELDS.forEach((k, i) => { f[k] = v[i] ?? 0 })
      const confirmed = Math.min(f.peerBytes, f.uploadedBytes)
      points.push({ t: b * bucketMinutes * 60_000, ...f, peers: v[FIELDS.length] ?? 0, confirmedPeerBytes: confirmed, offload: offloadOf(confirmed, f.originAssetBytes) })
    }
    const byRelease: HistoryJson['byRelease'] = {}
    const rel = this.db.exec(`SELECT release, ${COLUMNS.map((c) => `sum(${c})`).join(', ')} FROM minutes WHERE minute >= ? AND minute < ? GROUP BY release`, [from, to])
    for (const v of rel[0]?.values ?? []) {
      const f = empty()
      FIELDS.forEach((k, i) => { f[k] = Number(v[i + 1] ?? 0) })
      if (FIELDS.every((k) => f[k] === 0)) continue
      const confirmed = Math.min(f.peerBytes, f.uploadedBytes)
      Object.defineProperty(byRelease, String(v[0]), { value: { ...f, confirmedPeerBytes: confirmed, offload: offloadOf(confirmed, f.originAssetBytes) }, enumerable: true })
    }
    return { range, bucketSeconds, from: from * 60_000, to: to * 60_000, points, byRelease, file: this.opts.file }
  }

  /** Flushes, writes the file, stops the timers. Idempotent. */
  async close (): Promise<void> {
    if (this.closed) return
    for (const t of this.timers) clearInterval(t)
    this.flush()
    this.dirty = true
    await this.persist()
    this.closed = true
    this.db.close()
  }
}

export function parseRange (value: string | null): HistoryRange | null {
  return value === 'hour' || value === 'day' || value === 'week' ? value : null
}
