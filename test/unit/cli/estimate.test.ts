// `swarmcdn estimate`: log parsing, sessions, and the offload on generated
// logs whose answer is known (Little's law with Poisson arrivals: 1 − e^(−λ·E[h])).
import { describe, it, expect } from 'vitest'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseLogLine, parseLogTime, formatCombined, type LogEntry } from '../../../src/estimate/access-log.js'
import { estimate, isAssetPath } from '../../../src/estimate/model.js'
import { estimateFile } from '../../../src/cli/estimate.js'
import { mulberry32 } from '../../../scripts/prng.mjs'
import { startServer } from '../../../src/server/index.js'
import { mkdir, readFile } from 'node:fs/promises'

const T0 = Date.UTC(2026, 0, 1)
const entry = (ip: string, t: number, path: string, bytes = 1000, ua = 'UA'): LogEntry => ({ ip, time: t, method: 'GET', path, status: 200, bytes, userAgent: ua })

describe('access log', () => {
  it('parses common and combined lines, with time zones, queries and absolute targets', () => {
    expect(parseLogTime('10/Oct/2000:13:55:36 -0700')).toBe(Date.UTC(2000, 9, 10, 20, 55, 36))
    expect(parseLogLine('127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif?x=1 HTTP/1.0" 200 2326')).toMatchObject({ ip: '127.0.0.1', path: '/apache_pb.gif', status: 200, bytes: 2326, userAgent: '' })
    expect(parseLogLine('::1 - - [10/Oct/2000:13:55:36 +0000] "GET http://x.example/a.css HTTP/1.1" 304 - "http://x.example/" "Mozilla/5.0 (X11) \\"q\\""')).toMatchObject({ path: '/a.css', status: 304, bytes: 0, userAgent: 'Mozilla/5.0 (X11) "q"' })
    expect(parseLogLine('garbage')).toBeNull()
    expect(parseLogLine('1.2.3.4 - - [99/Foo/2000:13:55:36 +0000] "GET / HTTP/1.1" 200 1')).toBeNull()
  })
  it('formatCombined round-trips', () => {
    const e = { ...entry('10.0.0.1', T0 + 1000, '/img/a "b".png', 5), userAgent: 'UA "x"' }
    expect(parseLogLine(formatCombined(e))).toMatchObject(e)
  })
  it('counts only assets, never pages', () => {
    expect(['/a.png', '/js/app.js', '/f/x.mp4'].every(isAssetPath)).toBe(true)
    expect(['/', '/about', '/index.html', '/p.php', '/swarmcdn.js', '/swarmcdn-engine.js', '/swarmcdn.json', '/swarmcdn/ab.torrent'].some(isAssetPath)).toBe(false)
  })
})

describe('estimate', () => {
  it('one visitor every 60 s, each holding the asset 120 s: L = 2, offload 1 − e^−2', () => {
    const log: LogEntry[] = []
    for (let i = 0; i < 600; i++) {
      const t = T0 + i * 60_000
      log.push(entry(`10.0.${i >> 8}.${i & 255}`, t, '/img/photo.jpg', 500_000))
      log.push(entry(`10.0.${i >> 8}.${i & 255}`, t + 120_000, '/next.html', 3000))
    }
    const e = estimate(log)
    expect(e.visitors).toBe(600)
    expect(e.sessions).toBe(600)
    const a = e.assets[0]
    expect(a.path).toBe('/img/photo.jpg')
    const span = 599 * 60 + 120
    expect(a.concurrent).toBeCloseTo(600 * 120 / span, 9)
    expect(a.offload).toBeCloseTo(1 - Math.exp(-2), 2)
    expect(a.savedBytes).toBe(Math.round(a.offload * 600 * 500_000))
    expect(e.totals.offload).toBeCloseTo(a.offload, 9)
  })

  it('splits sessions on the gap, tells visitors apart by IP and User-Agent, floors one-request sessions', () => {
    const log = [
      entry('1.1.1.1', T0, '/a.js'), entry('1.1.1.1', T0 + 10 * 60_000, '/b.js'),
      entry('1.1.1.1', T0 + 60 * 60_000, '/a.js'), // 50 min later: a new session
      entry('1.1.1.1', T0 + 61 * 60_000, '/a.js', 1000, 'Other'), // same IP, other browser
      { ...entry('1.1.1.1', T0 + 62 * 60_000, '/a.js'), status: 404 }
    ]
    const e = estimate(log, { minSessionMs: 30_000 })
    expect(e.visitors).toBe(2)
    expect(e.sessions).toBe(3)
    const a = e.assets.find((x) => x.path === '/a.js')!
    expect(a.sessions).toBe(3)
    expect(a.requests).toBe(3)
    // Holds: to each session's end (10 min; 2 min, the 404 still ends that session), or the 30 s floor.
    expect(a.meanHoldSeconds).toBeCloseTo((600 + 120 + 30) / 3, 6)
  })

  it('matches 1 − e^(−λ·E[S]) on a simulated Poisson site with exponential sessions', () => {
    const rand = mulberry32(7)
    const exp = (mean: number): number => -Math.log(1 - rand()) * mean
    const lambda = 1 / 90_000 // one visitor every 90 s
    const meanSession = 227_000 // Edgemesh's 3 min 47 s
    const log: LogEntry[] = []
    let t = T0
    for (let i = 0; i < 4000; i++) {
      t += exp(1 / lambda)
      const s = Math.max(exp(meanSession), 1000)
      log.push(entry(`v${i}`, Math.round(t), '/app.js', 100_000))
      log.push(entry(`v${i}`, Math.round(t + s), '/page2.html', 2000))
    }
    const a = estimate(log, { minSessionMs: 0 }).assets[0]
    const expected = 1 - Math.exp(-lambda * meanSession)
    expect(Math.abs(a.offload - expected)).toBeLessThan(0.03)
  })

  it('reads a file, refuses one with no log lines (the CLI exits non-zero)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'swarmcdn-estimate-'))
    try {
      const f = join(dir, 'access.log')
      await writeFile(f, `${formatCombined(entry('1.2.3.4', T0, '/a.css', 10))}\nnot a log line\n`)
      const e = await estimateFile(f, { sessionGap: 30, minSession: 30 })
      expect(e.entries).toBe(1)
      expect(e.skipped).toBe(1)
      await writeFile(f, 'hello\n')
      await expect(estimateFile(f, { sessionGap: 30, minSession: 30 })).rejects.toThrow(/no line in common or combined log format/)
      await expect(estimateFile(join(dir, 'nope.log'), { sessionGap: 30, minSession: 30 })).rejects.toThrow(/no such file/)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})

describe('serve --access-log', () => {
  it('writes combined-format lines that estimate reads', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'swarmcdn-accesslog-'))
    try {
      await mkdir(join(dir, 'site'))
      await writeFile(join(dir, 'site', 'a.css'), 'x'.repeat(1234))
      const log = join(dir, 'access.log')
      const srv = await startServer({ dir: join(dir, 'site'), port: 0, quiet: true, accessLog: log })
      await (await fetch(`${srv.url}a.css`, { headers: { 'User-Agent': 'Test "UA"' } })).arrayBuffer()
      await (await fetch(`${srv.url}missing.png`)).arrayBuffer()
      await srv.close()
      const lines = (await readFile(log, 'utf8')).trim().split('\n')
      expect(lines).toHaveLength(2)
      expect(parseLogLine(lines[0])).toMatchObject({ ip: '127.0.0.1', method: 'GET', path: '/a.css', status: 200, bytes: 1234, userAgent: 'Test "UA"' })
      expect(parseLogLine(lines[1])).toMatchObject({ path: '/missing.png', status: 404 })
      const e = await estimateFile(log, { sessionGap: 30, minSession: 30 })
      expect(e.assets.map((a) => a.path)).toEqual(['/a.css'])
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})
