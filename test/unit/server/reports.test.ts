// POST /swarmcdn/report: bounded, rate-limited, malformed refused and counted,
// aggregated in /swarmcdn/stats under `reported`, cross-checked.
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import http from 'node:http'
import { startServer, type RunningServer, type StatsJson } from '../../../src/server/index.js'
import { MAX_REPORT_BODY_BYTES, MAX_REPORT_FIGURE, REPORT_BURST, RateLimiter, parseReport } from '../../../src/server/reports.js'
import { makeSite, getJson, type Site } from './helpers.js'

let site: Site
let srv: RunningServer

function post (body: string, opts: { method?: string, headers?: Record<string, string> } = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: srv.port, path: '/swarmcdn/report', method: opts.method ?? 'POST', agent: false, headers: { 'Content-Type': 'application/json', ...opts.headers } }, (res) => {
      res.resume()
      res.on('end', () => { resolve(res.statusCode ?? 0) })
    })
    req.on('error', reject)
    req.end(body)
  })
}

beforeAll(async () => {
  site = await makeSite({ '/a.bin': 'x'.repeat(100) })
  srv = await startServer({ dir: site.dir, port: 0, quiet: true, resetStats: true })
})
afterAll(async () => {
  await srv.close()
  await site.cleanup()
})

describe('parseReport', () => {
  it('takes non-negative integer figures and refuses anything else', () => {
    expect(parseReport('{"bytesFromPeers":10,"bytesUploaded":0}')).toMatchObject({ bytesFromPeers: 10, bytesUploaded: 0, kind: 'visitor', infoHash: null })
    expect(parseReport(`{"bytesUploaded":5,"kind":"seeder","infoHash":"${'A'.repeat(40)}"}`)).toMatchObject({ bytesUploaded: 5, kind: 'seeder', infoHash: 'a'.repeat(40) })
    for (const bad of ['', 'null', '[]', '{}', '{"bytesFromPeers":-1}', '{"bytesFromPeers":1.5}', '{"bytesFromPeers":"1"}', '{"bytesFromPeers":1,"infoHash":"zz"}', '{"bytesFromPeers":1,"kind":"root"}', '{"bytesFromPeers":1e400}']) {
      expect(parseReport(bad), bad).toBe('malformed')
    }
    expect(parseReport(`{"bytesFromPeers":${MAX_REPORT_FIGURE + 1}}`)).toBe('implausible')
  })
})

describe('RateLimiter', () => {
  it('admits a burst, then the refill rate, per client', () => {
    const rl = new RateLimiter(3, 1, 10)
    expect([1, 2, 3, 4].map(() => rl.take('a', 0))).toEqual([true, true, true, false])
    expect(rl.take('b', 0)).toBe(true)
    expect(rl.take('a', 999)).toBe(false)
    expect(rl.take('a', 1000)).toBe(true)
  })
  it('remembers a bounded number of clients', () => {
    const rl = new RateLimiter(1, 0.001, 100)
    for (let i = 0; i < 10_000; i++) rl.take(`c${i}`, 0)
    expect((rl as unknown as { buckets: Map<string, unknown> }).buckets.size).toBeLessThanOrEqual(100)
  })
})

describe('POST /swarmcdn/report', () => {
  it('aggregates reports next to the origin counters, cross-checked, and refuses bad ones with 4xx', async () => {
    srv.resetStats()
    expect(await post(JSON.stringify({ bytesFromPeers: 1000, bytesUploaded: 200, bytesFromOrigin: 50 }))).toBe(202)
    expect(await post(JSON.stringify({ bytesFromPeers: 0, bytesUploaded: 700, kind: 'seeder' }))).toBe(202)
    expect(await post('{not json')).toBe(400)
    expect(await post(JSON.stringify({ bytesFromPeers: -5 }))).toBe(400)
    expect(await post(JSON.stringify({ bytesFromPeers: MAX_REPORT_FIGURE * 2 }))).toBe(422)
    expect(await post(JSON.stringify({ bytesFromPeers: 1, pad: 'x'.repeat(MAX_REPORT_BODY_BYTES) }))).toBe(413)
    expect(await post('', { method: 'GET' })).toBe(405)
    const s = await getJson<StatsJson>(srv.port, '/swarmcdn/stats')
    expect(s.reported).toMatchObject({
      bytesFromPeers: 1000,
      bytesUploaded: 900,
      bytesFromOrigin: 50,
      confirmedPeerBytes: 900,
      uploadToDownload: 0.9,
      reports: 2,
      seederReports: 1,
      refused: { malformed: 2, implausible: 1, 'too-large': 1, method: 1, 'rate-limited': 0 }
    })
    // Reports never touch the origin's own ground truth.
    expect(s.origin.bytesServed).toBe(0)
    const metrics = await (await fetch(srv.metricsUrl)).text()
    expect(metrics).toMatch(/swarmcdn_reports_refused_total\{reason="malformed"\} 2/)
    expect(metrics).toMatch(/swarmcdn_reported_peer_bytes_total 1000/)
  })

  it('rate-limits one client address past its burst (429, counted)', async () => {
    srv.resetStats()
    const codes: number[] = []
    for (let i = 0; i < REPORT_BURST + 10; i++) codes.push(await post('{"bytesFromPeers":1,"bytesUploaded":1}'))
    expect(codes.filter((c) => c === 429).length).toBeGreaterThan(0)
    const s = await getJson<StatsJson>(srv.port, '/swarmcdn/stats')
    expect(s.reported.refused['rate-limited']).toBe(codes.filter((c) => c === 429).length)
    expect(s.reported.reports).toBe(codes.filter((c) => c === 202).length)
  })
})
