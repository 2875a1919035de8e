// Per-minute history: figures by minute and release, ranges, and persistence
// across an origin restart (the SQLite file is written on stop and read at start).
import { describe, it, expect, afterEach } from 'vitest'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { History, HISTORY_DAYS } from '../../../src/server/history.js'
import { startServer, type HistoryJson } from '../../../src/server/index.js'
import { makeSite, request, getJson, type Site } from './helpers.js'

const MIN = 60_000
let site: Site | null = null
afterEach(async () => { await site?.cleanup(); site = null })

describe('History', () => {
  it('sums figures per minute and release, keeps the peak of peers, buckets ranges', async () => {
    let now = Date.UTC(2026, 0, 1, 12, 0, 10)
    let peers = 3
    const h = await History.open({ file: null, peers: () => peers, now: () => now })
    h.recordOrigin('a'.repeat(40), 1000, true)
    h.recordOrigin('a'.repeat(40), 500, false)
    h.recordReport('a'.repeat(40), 3000, 2000)
    h.flush()
    peers = 1
    now += MIN
    h.recordOrigin('b'.repeat(40), 100, true)
    const hour = h.query('hour')
    expect(hour.points.length).toBe(60)
    const [p0, p1] = hour.points.slice(-2)
    expect(p0).toMatchObject({ originBytes: 1500, originAssetBytes: 1000, peerBytes: 3000, uploadedBytes: 2000, confirmedPeerBytes: 2000, peers: 3, reports: 1 })
    expect(p0.offload).toBeCloseTo(2000 / 3000)
    expect(p1).toMatchObject({ originBytes: 100, peers: 1, offload: 0 })
    expect(Object.keys(hour.byRelease).sort()).toEqual(['a'.repeat(40), 'b'.repeat(40)])
    const week = h.query('week')
    expect(week.bucketSeconds).toBe(7200)
    expect(week.points.length).toBe(84)
    expect(h.query('day').points.length).toBe(96)
    expect(week.points.reduce((s, p) => s + p.originBytes, 0)).toBe(1600)
    await h.close()
  })

  it('persists across a reopen and forgets what is older than the retention', async () => {
    site = await makeSite({ '/x.txt': 'x' })
    const file = join(site.base, 'data', 'history.sqlite')
    let now = Date.UTC(2026, 0, 1)
    const h1 = await History.open({ file, peers: () => 0, now: () => now })
    h1.recordOrigin(null, 42, true)
    await h1.close()
    now += 2 * MIN
    const h2 = await History.open({ file, peers: () => 0, now: () => now })
    expect(h2.query('hour').points.reduce((s, p) => s + p.originBytes, 0)).toBe(42)
    now += (HISTORY_DAYS + 1) * 1440 * MIN
    h2.recordOrigin(null, 1, true)
    await h2.close()
    const h3 = await History.open({ file, peers: () => 0, now: () => now })
    expect(h3.query('week').points.reduce((s, p) => s + p.originBytes, 0)).toBe(1)
    await h3.close()
  })

  it('refuses a file that is not a history database, and leaves it alone', async () => {
    site = await makeSite({ '/x.txt': 'x' })
    const file = join(site.base, 'junk.sqlite')
    await writeFile(file, 'not a database at all, just some text that is long enough'.repeat(20))
    await expect(History.open({ file, peers: () => 0 })).rejects.toThrow(/not a swarmcdn history database/)
    expect((await readFile(file, 'utf8')).startsWith('not a database')).toBe(true)
  })
})

describe('GET /swarmcdn/history', () => {
  it('serves the history, and a restarted origin still has it', async () => {
    site = await makeSite({ '/a.bin': 'a'.repeat(5000) })
    const historyFile = join(site.base, 'history.sqlite')
    const s1 = await startServer({ dir: site.dir, port: 0, quiet: true, historyFile })
    await request(s1.port, '/a.bin')
    await fetch(`${s1.url}swarmcdn/report`, { method: 'POST', body: JSON.stringify({ bytesFromPeers: 15_000, bytesUploaded: 15_000 }) })
    const before = await getJson<HistoryJson>(s1.port, '/swarmcdn/history?range=hour')
    const sum = (h: HistoryJson, k: 'originBytes' | 'peerBytes'): number => h.points.reduce((s, p) => s + p[k], 0)
    expect(sum(before, 'originBytes')).toBe(5000)
    expect(sum(before, 'peerBytes')).toBe(15_000)
    await s1.close()

    const s2 = await startServer({ dir: site.dir, port: 0, quiet: true, historyFile })
    try {
      for (const range of ['hour', 'day', 'week']) {
        const after = await getJson<HistoryJson>(s2.port, `/swarmcdn/history?range=${range}`)
        expect(sum(after, 'originBytes'), range).toBe(5000)
        expect(sum(after, 'peerBytes'), range).toBe(15_000)
      }
      expect((await request(s2.port, '/swarmcdn/history?range=year')).status).toBe(400)
    } finally {
      await s2.close()
    }
  })
})
