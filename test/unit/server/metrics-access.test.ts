// Who may read /metrics and /swarmcdn/stats, and what /metrics holds: a
// bearer token when configured, CORS only when asked for, bounded labels, and
// the offload figure from the origin's own counters.
import { describe, it, expect, afterEach } from 'vitest'
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { startServer, startTracker, type RunningServer, type RunningTracker } from '../../../src/server/index.js'
import { makeSite, manifestFor, writeManifest, request, type Site } from './helpers.js'

const V1 = 'a'.repeat(40)
const TOKEN = 'k3y-0f-the-0perator'
const bin = fileURLToPath(new URL('../../../bin/swarmcdn.js', import.meta.url))

const open: Array<RunningServer | RunningTracker> = []
const sites: Site[] = []
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()))
  await Promise.all(sites.splice(0).map((s) => s.cleanup()))
})

async function serve (opts: Record<string, unknown> = {}, manifestExtra: object = {}): Promise<RunningServer> {
  const site = await makeSite({ '/index.html': '<h1>x</h1>', '/a.css': 'a'.repeat(100), '/b.png': 'b'.repeat(300), '/film.mp4': 'f'.repeat(1000) })
  sites.push(site)
  const assets = { '/a.css': site.files['/a.css']!, '/b.png': site.files['/b.png']!, '/film.mp4': site.files['/film.mp4']! }
  const m = manifestFor(V1, assets) as { assets: Record<string, { type: string, offset: number }> }
  m.assets['/film.mp4']!.type = 'video/mp4'
  // Every asset starts on a piece boundary (16 KiB here).
  Object.values(m.assets).forEach((a, i) => { a.offset = i * 16384 })
  await writeManifest(site.dir, { ...m, ...manifestExtra })
  const srv = await startServer({ dir: site.dir, port: 0, quiet: true, ...opts })
  open.push(srv)
  return srv
}

const bearer = (t: string): Record<string, string> => ({ Authorization: `Bearer ${t}` })

describe('service endpoint access', () => {
  it('needs the bearer token on /metrics and /swarmcdn/stats when one is set, and nowhere else', async () => {
    const srv = await serve({ metricsToken: TOKEN })
    for (const path of ['/metrics', '/swarmcdn/stats']) {
      const none = await request(srv.port, path)
      expect(none.status).toBe(401)
      expect(none.headers['www-authenticate']).toBe('Bearer realm="swarmcdn"')
      expect((await request(srv.port, path, { headers: bearer('wrong') })).status).toBe(401)
      expect((await request(srv.port, path, { headers: { Authorization: TOKEN } })).status).toBe(401)
      const ok = await request(srv.port, path, { headers: bearer(TOKEN) })
      expect(ok.status).toBe(200)
      expect(ok.headers['access-control-allow-origin']).toBeUndefined()
    }
    // The site itself stays public.
    expect((await request(srv.port, '/a.css')).status).toBe(200)
  })

  it('sends no Access-Control-Allow-Origin on them unless an origin is named', async () => {
    const plain = await serve()
    for (const path of ['/metrics', '/swarmcdn/stats']) {
      const r = await request(plain.port, path)
      expect(r.status).toBe(200)
      expect(r.headers['access-control-allow-origin']).toBeUndefined()
    }
    const ops = await serve({ metricsToken: TOKEN, metricsCors: 'https://ops.example.com' })
    const r = await request(ops.port, '/swarmcdn/stats', { headers: bearer(TOKEN) })
    expect(r.headers['access-control-allow-origin']).toBe('https://ops.example.com')
    const pre = await request(ops.port, '/swarmcdn/stats', { method: 'OPTIONS', headers: { Origin: 'https://ops.example.com', 'Access-Control-Request-Method': 'GET', 'Access-Control-Request-Headers': 'authorization' } })
    expect(pre.status).toBe(204)
    expect(pre.headers['access-control-allow-headers']).toBe('Authorization')
    // Static files keep their own CORS (web seeds fetch them cross-origin).
    expect((await request(ops.port, '/a.css')).headers['access-control-allow-origin']).toBe('*')
  })

  it('guards the standalone tracker\'s /stats and /metrics the same way', async () => {
    const t = await startTracker({ port: 0, quiet: true, metricsToken: TOKEN })
    open.push(t)
    for (const url of [t.statsUrl, t.metricsUrl]) {
      expect((await fetch(url)).status).toBe(401)
      const ok = await fetch(url, { headers: bearer(TOKEN) })
      expect(ok.status).toBe(200)
      expect(ok.headers.get('access-control-allow-origin')).toBeNull()
    }
  })

  it('refuses a token with spaces and a CORS value that is not an origin', async () => {
    const site = await makeSite({ '/a.txt': 'x' })
    sites.push(site)
    await expect(startServer({ dir: site.dir, port: 0, quiet: true, metricsToken: 'two words' })).rejects.toThrow(/invalid metrics token/)
    await expect(startServer({ dir: site.dir, port: 0, quiet: true, metricsCors: 'https://ops.example.com/path' })).rejects.toThrow(/invalid --metrics-cors/)
  })

  it('reads the token from SWARMCDN_METRICS_TOKEN on the command line, and refuses a bad --redis', async () => {
    const run = (args: string[], env: Record<string, string> = {}): Promise<{ code: number | null, out: string, err: string }> => new Promise((resolve) => {
      const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } })
      let out = ''
      let err = ''
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString()
        const m = /metrics (http:\S+)/.exec(out)
        if (m !== null) {
          Promise.all([fetch(m[1]!), fetch(m[1]!, { headers: bearer(TOKEN) })]).then(([a, b]) => {
            out += `\nstatus ${a.status} ${b.status}`
            child.kill('SIGTERM')
          }, () => child.kill('SIGKILL'))
        }
      })
      child.stderr.on('data', (d: Buffer) => { err += d.toString() })
      child.on('exit', (code) => { resolve({ code, out, err }) })
    })
    const ok = await run(['tracker', '--port', '0'], { SWARMCDN_METRICS_TOKEN: TOKEN })
    expect(ok.out).toContain('status 401 200')
    const bad = await run(['tracker', '--port', '0', '--redis', 'localhost:6379'])
    expect(bad.code).toBe(1)
    expect(bad.err).toContain('swarmcdn: invalid Redis URL "localhost:6379" (expected redis://HOST:PORT or rediss://HOST:PORT)')
    const ttl = await run(['tracker', '--port', '0', '--redis-ttl', '5'])
    expect(ttl.code).toBe(1)
    expect(ttl.err).toContain('--redis-ttl needs --redis')
  })
})

describe('/metrics content', () => {
  it('has no per-asset series unless asked for', async () => {
    const srv = await serve()
    await request(srv.port, '/a.css')
    const text = (await request(srv.port, '/metrics')).body.toString()
    expect(text).toMatch(/^swarmcdn_origin_asset_bytes_total 100$/m)
    expect(text).not.toMatch(/asset="/)
    const labelled = await serve({ metricsPerAsset: true })
    await request(labelled.port, '/a.css')
    expect((await request(labelled.port, '/metrics')).body.toString()).toMatch(/^swarmcdn_origin_asset_path_bytes_total\{asset="\/a.css"\} 100$/m)
  })

  it('reports offload from page views and the origin\'s own bytes, media left out', async () => {
    const srv = await serve({}, { pages: { '/': { assets: ['/a.css', '/b.png', '/film.mp4'], links: [] } } })
    const scrape = async (): Promise<string> => (await request(srv.port, '/metrics')).body.toString()
    expect(await scrape()).toMatch(/^swarmcdn_offload_ratio Nan$/mi)
    // Visitor 1 gets everything from the origin; visitors 2-4 get nothing (their peers served them).
    await request(srv.port, '/')
    await request(srv.port, '/a.css')
    await request(srv.port, '/b.png')
    await request(srv.port, '/film.mp4')
    for (let i = 0; i < 3; i++) await request(srv.port, '/index.html')
    const text = await scrape()
    expect(text).toMatch(/^swarmcdn_page_asset_bytes_needed_total 1600$/m)
    expect(text).toMatch(/^swarmcdn_page_asset_bytes_from_origin_total 400$/m)
    expect(text).toMatch(/^swarmcdn_offload_ratio 0\.75$/m)
  })
})
