// The origin's counters must equal what clients actually received.
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import http from 'node:http'
import { startServer, type RunningServer, type StatsJson } from '../../../src/server/index.js'
import { OriginCounters, MAX_TRACKED_PATHS, OTHER_PATHS } from '../../../src/server/stats.js'
import { makeSite, request, getJson, bytes, type Site } from './helpers.js'

let site: Site
let srv: RunningServer

beforeAll(async () => {
  site = await makeSite({ '/a.bin': bytes(50_000, 1), '/b.css': 'body{color:red}', '/c.js': bytes(3000, 3).toString('hex') })
  srv = await startServer({ dir: site.dir, port: 0, quiet: true, resetStats: true })
})
afterAll(async () => {
  await srv.close()
  await site.cleanup()
})

describe('GET /swarmcdn/stats', () => {
  it('counts exactly the body bytes received, per path, and requests', async () => {
    const received: Record<string, { bytes: number, requests: number }> = {}
    const fetchAndCount = async (path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<void> => {
      const r = await request(srv.port, path, { headers, method })
      const e = received[path] ??= { bytes: 0, requests: 0 }
      e.bytes += r.body.length
      e.requests++
    }
    await fetchAndCount('/a.bin')
    await fetchAndCount('/a.bin', { Range: 'bytes=100-199' })
    await fetchAndCount('/a.bin', { Range: 'bytes=-7' })
    await fetchAndCount('/a.bin', { Range: 'bytes=999999-' }) // 416: a request, no bytes
    await fetchAndCount('/b.css')
    await fetchAndCount('/b.css', {}, 'HEAD')
    const etag = (await request(srv.port, '/c.js', { method: 'HEAD' })).headers.etag!
    ;(received['/c.js'] ??= { bytes: 0, requests: 0 }).requests++
    await fetchAndCount('/c.js', { 'If-None-Match': etag }) // 304
    await fetchAndCount('/c.js')
    await request(srv.port, '/missing.png')
    await request(srv.port, '/../x')

    const s = await getJson<StatsJson>(srv.port, '/swarmcdn/stats')
    expect(s.origin.byPath).toEqual(received)
    const total = Object.values(received).reduce((n, e) => n + e.bytes, 0)
    const requests = Object.values(received).reduce((n, e) => n + e.requests, 0)
    expect(s.origin.bytesServed).toBe(total)
    expect(s.origin.bytesServed).toBe(50_000 + 100 + 7 + 15 + 6000)
    expect(s.origin.requests).toBe(requests + 2)
    expect(s.origin.notFound).toBe(1)
    expect(s.origin.badRequests).toBe(1)
    expect(s.tracker).toMatchObject({ peers: 0, swarms: 0 })
    expect(s.release).toBeNull()
    expect(Date.parse(s.startedAt)).not.toBeNaN()
    expect(s.uptimeSeconds).toBeGreaterThanOrEqual(0)
    expect(srv.stats().origin.bytesServed).toBe(total)

    // Service endpoints are not origin traffic.
    await getJson(srv.port, '/swarmcdn/stats')
    await request(srv.port, '/metrics')
    await request(srv.port, '/announce')
    const again = await getJson<StatsJson>(srv.port, '/swarmcdn/stats')
    expect(again.origin.requests).toBe(s.origin.requests)
    expect(again.origin.bytesServed).toBe(s.origin.bytesServed)
  })

  it('is no-store and not readable by other origins unless asked for (--metrics-cors)', async () => {
    const r = await request(srv.port, '/swarmcdn/stats')
    expect(r.headers['cache-control']).toBe('no-store')
    expect(r.headers['access-control-allow-origin']).toBeUndefined()
    expect(r.headers['content-type']).toContain('application/json')
  })

  it('exposes the totals as Prometheus text', async () => {
    const s = await getJson<StatsJson>(srv.port, '/swarmcdn/stats')
    const r = await request(srv.port, '/metrics')
    expect(r.status).toBe(200)
    expect(r.headers['content-type']).toContain('text/plain')
    const text = r.body.toString()
    const value = (name: string): number => {
      const line = text.split('\n').find((l) => l.startsWith(name + ' '))
      expect(line, name).toBeDefined()
      return Number(line!.split(' ')[1])
    }
    // Prometheus counters are never reset, and nothing was reset yet: equal to the JSON.
    expect(value('swarmcdn_origin_bytes_total')).toBe(s.origin.bytesServed)
    expect(value('swarmcdn_origin_requests_total')).toBe(s.origin.requests)
    expect(value('swarmcdn_tracker_peers')).toBe(0)
    expect(value('swarmcdn_tracker_swarms')).toBe(0)
    expect(text).toContain('# TYPE swarmcdn_tracker_announces_total counter')
    expect(text).toContain('process_cpu_user_seconds_total')
    // Every sample line parses: `name{labels} value`.
    for (const line of text.split('\n')) {
      if (line === '' || line.startsWith('#')) continue
      expect(line).toMatch(/^[a-zA-Z_:][a-zA-Z0-9_:]*(\{.*\})? (-?[0-9.e+-]+|nan|[+-]inf)$/i)
    }
  })

  it('POST /swarmcdn/stats/reset zeroes the JSON counters when enabled', async () => {
    await request(srv.port, '/b.css')
    const r = await request(srv.port, '/swarmcdn/stats/reset', { method: 'POST' })
    expect(r.status).toBe(204)
    const s = await getJson<StatsJson>(srv.port, '/swarmcdn/stats')
    expect(s.origin).toMatchObject({ bytesServed: 0, requests: 0, byPath: {} })
  })

  it('has no reset endpoint by default', async () => {
    const other = await startServer({ dir: site.dir, port: 0, quiet: true })
    try {
      await request(other.port, '/b.css')
      const r = await request(other.port, '/swarmcdn/stats/reset', { method: 'POST' })
      expect(r.status).toBe(405)
      expect(other.stats().origin.requests).toBe(1)
    } finally {
      await other.close()
    }
  })
})

describe('aborted and slow transfers', () => {
  it('counts only what was sent when the client aborts, and keeps serving', async () => {
    const big = bytes(4 * 1024 * 1024, 9)
    const s2 = await makeSite({ '/big.bin': big })
    // Paced to 1 MB/s, so the whole file would take 4 s.
    const slow = await startServer({ dir: s2.dir, port: 0, quiet: true, bandwidthBytesPerSec: 1_000_000 })
    try {
      const got = await new Promise<number>((resolve, reject) => {
        let n = 0
        const req = http.get({ host: '127.0.0.1', port: slow.port, path: '/big.bin', agent: false }, (res) => {
          res.on('data', (c: Buffer) => {
            n += c.length
            if (n >= 200_000) {
              req.destroy()
              resolve(n)
            }
          })
        })
        req.on('error', (err) => { if (n < 200_000) reject(err) })
      })
      await new Promise((r) => setTimeout(r, 300))
      const sent = slow.stats().origin.byPath['/big.bin']!.bytes
      expect(sent).toBeGreaterThanOrEqual(got)
      expect(sent).toBeLessThan(big.length / 2)
      const after = await new Promise((r) => setTimeout(r, 500)).then(() => slow.stats().origin.byPath['/big.bin']!.bytes)
      expect(after).toBe(sent) // nothing more went out after the abort
      const ok = await request(slow.port, '/big.bin', { headers: { Range: 'bytes=0-99' } })
      expect(ok.body.equals(big.subarray(0, 100))).toBe(true)
    } finally {
      await slow.close()
      await s2.cleanup()
    }
  })

  it('delays the first byte by latencyMs and paces the body', async () => {
    const s3 = await makeSite({ '/x.bin': bytes(200_000, 2) })
    const far = await startServer({ dir: s3.dir, port: 0, quiet: true, latencyMs: 150, bandwidthBytesPerSec: 1_000_000 })
    try {
      const t0 = Date.now()
      const head = await request(far.port, '/x.bin', { method: 'HEAD' })
      expect(head.status).toBe(200)
      expect(Date.now() - t0).toBeGreaterThanOrEqual(140)
      const t1 = Date.now()
      const r = await request(far.port, '/x.bin')
      expect(r.body.length).toBe(200_000)
      // 150 ms latency + 200 KB at 1 MB/s ≈ 350 ms (the first slice goes out at once).
      expect(Date.now() - t1).toBeGreaterThanOrEqual(300)
    } finally {
      await far.close()
      await s3.cleanup()
    }
  })
})

describe('OriginCounters', () => {
  it('keeps at most MAX_TRACKED_PATHS paths and folds the rest into (other)', () => {
    const c = new OriginCounters()
    for (let i = 0; i < MAX_TRACKED_PATHS + 50; i++) {
      c.recordRequest(`/p${i}`)
      c.recordBytes(`/p${i}`, 1)
    }
    const j = c.toJSON()
    expect(Object.keys(j.byPath).length).toBe(MAX_TRACKED_PATHS + 1)
    expect(j.byPath[OTHER_PATHS]).toEqual({ bytes: 50, requests: 50 })
    expect(j.bytesServed).toBe(MAX_TRACKED_PATHS + 50)
    expect(j.byPath['/p0']).toEqual({ bytes: 1, requests: 1 })
  })

  it('keeps a path named __proto__ as data', () => {
    const c = new OriginCounters()
    c.recordRequest('__proto__')
    const j = c.toJSON()
    expect(Object.keys(j.byPath)).toEqual(['__proto__'])
    expect(JSON.parse(JSON.stringify(j)).byPath.__proto__).toEqual({ bytes: 0, requests: 1 })
  })
})
