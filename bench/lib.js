// Shared bench helpers: deterministic sites, the real CLI as child processes
// (`swarmcdn publish`, `swarmcdn serve`, `swarmcdn tracker`), Chromium visitors.
// Plain ESM JavaScript so `npm run bench` needs nothing but the built dist/.
import { spawn } from 'node:child_process'
import { createCipheriv, createHash } from 'node:crypto'
import { readdirSync, readFileSync } from 'node:fs'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { PNG } from 'pngjs'
import { launchChromium } from '../scripts/chromium.mjs'
import { mulberry32 } from '../scripts/prng.mjs'

export const ROOT = fileURLToPath(new URL('..', import.meta.url))
export const CLI = join(ROOT, 'bin', 'swarmcdn.js')

// ── deterministic data ──────────────────────────────────────────────────────

/** `size` pseudo-random bytes from `seed`: an AES-128-CTR keystream (fast, reproducible). */
export function bytes (size, seed) {
  const key = createHash('sha256').update(`swarmcdn-bench-${seed}`).digest().subarray(0, 16)
  const c = createCipheriv('aes-128-ctr', key, Buffer.alloc(16))
  return Buffer.concat([c.update(Buffer.alloc(size)), c.final()])
}

/** A seeded PRNG for choosing sizes. */
export const rng = mulberry32

/** Text that parses as CSS or JS (one comment) of exactly `size` bytes. */
function commentText (size, seed) {
  const body = bytes(size, seed).toString('base64').slice(0, size - 4)
  return Buffer.from(`/*${body}*/`)
}

/** A valid PNG of noise, about w*h*3 bytes (noise does not compress). */
function noisePng (w, h, seed) {
  const png = new PNG({ width: w, height: h, colorType: 2 })
  const noise = bytes(w * h * 4, seed)
  noise.copy(png.data)
  for (let i = 3; i < png.data.length; i += 4) png.data[i] = 255
  return PNG.sync.write(png, { colorType: 2 })
}

export const SCRIPT_TAG = '<script src="/swarmcdn.js" defer data-ice-servers="[]"></script>'

/**
 * The reference site: a light landing page (the script tag, no assets) and an
 * asset page that loads every asset the way a browser does (stylesheet,
 * scripts, images), each also as a copy under /plain/ without the script tag.
 * About 4.3 MB of assets in 8 files, sizes typical of a content page.
 */
export const REFERENCE_ASSETS = {
  '/css/site.css': { kind: 'css', size: 8_000 },
  '/js/app.js': { kind: 'js', size: 40_000 },
  '/js/vendor.js': { kind: 'js', size: 120_000 },
  '/img/logo.png': { kind: 'png', w: 60, h: 60 },
  '/img/thumb.png': { kind: 'png', w: 160, h: 160 },
  '/img/photo.png': { kind: 'png', w: 320, h: 300 },
  '/img/hero.png': { kind: 'png', w: 600, h: 500 },
  '/img/banner.png': { kind: 'png', w: 1000, h: 1000 }
}

function landingHtml (tag, link) {
  const nav = link ? '<nav><a href="page.html">assets</a></nav>' : ''
  return `<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>bench</title>${tag}</head><body><h1>landing</h1>${nav}</body></html>`
}

function assetPageHtml (tag, assets) {
  const head = []
  const body = []
  for (const [path, a] of Object.entries(assets)) {
    if (a.kind === 'css') head.push(`<link rel="stylesheet" href="${path}">`)
    else if (a.kind === 'js') body.push(`<script src="${path}"></script>`)
    else if (a.kind === 'png') body.push(`<img src="${path}" alt="">`)
  }
  return `<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>bench assets</title>${tag}${head.join('')}</head><body><h1>assets</h1>${body.join('')}</body></html>`
}

/**
 * Writes a site into a fresh temp folder. `assets` maps URL path →
 * { kind: 'css'|'js'|'png'|'bin', size | w,h }; `tag` is the script tag of the
 * swarmcdn pages. Returns { dir, sizes, total, cleanup }.
 */
/**
 * `linkAssetPage`: the landing page links to the asset page, as a real site's
 * pages link to each other (the page graph then lets the engine prefetch it).
 */
export async function makeSite (assets = REFERENCE_ASSETS, seed = 1, tag = SCRIPT_TAG, linkAssetPage = false) {
  const dir = await mkdtemp(join(tmpdir(), 'swarmcdn-bench-'))
  const sizes = {}
  let s = seed
  for (const [path, a] of Object.entries(assets)) {
    let data
    if (a.kind === 'css' || a.kind === 'js') data = commentText(a.size, s++)
    else if (a.kind === 'png') data = noisePng(a.w, a.h, s++)
    else data = bytes(a.size, s++)
    sizes[path] = data.length
    await mkdir(dirname(join(dir, path)), { recursive: true })
    await writeFile(join(dir, path), data)
  }
  const pages = {
    '/index.html': landingHtml(tag, linkAssetPage),
    '/page.html': assetPageHtml(tag, assets),
    '/plain/index.html': landingHtml('', linkAssetPage),
    '/plain/page.html': assetPageHtml('', assets)
  }
  for (const [path, html] of Object.entries(pages)) {
    await mkdir(dirname(join(dir, path)), { recursive: true })
    await writeFile(join(dir, path), html)
  }
  return { dir, sizes, total: Object.values(sizes).reduce((n, x) => n + x, 0), cleanup: () => rm(dir, { recursive: true, force: true }) }
}

// ── the CLI as child processes ───────────────────────────────────────────────

/** Runs `node bin/swarmcdn.js ...args`; resolves { code, stdout, stderr, ms }. */
export function runCli (args, opts = {}) {
  return runProcess(process.execPath, [CLI, ...args], opts)
}

export function runProcess (cmd, args, opts = {}) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now()
    const p = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], ...opts })
    let stdout = ''
    let stderr = ''
    p.stdout.on('data', (d) => { stdout += d })
    p.stderr.on('data', (d) => { stderr += d })
    p.on('error', reject)
    p.on('close', (code) => resolve({ code, stdout, stderr, ms: performance.now() - t0 }))
  })
}

export async function publishSite (dir) {
  const r = await runCli(['publish', dir, '--json'])
  if (r.code !== 0) throw new Error(`publish failed: ${r.stderr}`)
  return JSON.parse(r.stdout)
}

/**
 * Starts a long-running CLI command and waits for the line matching `re`
 * (the URL contract: "swarmcdn: serving <dir> at http://127.0.0.1:PORT/").
 */
function startLongRunning (args, re) {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    let err = ''
    const timer = setTimeout(() => { p.kill('SIGKILL'); reject(new Error(`no URL line from swarmcdn ${args[0]}: ${err}`)) }, 15_000)
    p.stderr.on('data', (d) => { err += d })
    p.stdout.on('data', (d) => {
      out += d
      const m = re.exec(out)
      if (m) { clearTimeout(timer); resolve({ proc: p, match: m }) }
    })
    p.on('exit', (code) => { clearTimeout(timer); reject(new Error(`swarmcdn ${args[0]} exited ${code}: ${err}`)) })
  })
}

function stopProcess (p) {
  if (p.exitCode !== null || p.signalCode !== null) return Promise.resolve()
  return new Promise((resolve) => {
    const t = setTimeout(() => { p.kill('SIGKILL') }, 5000)
    p.once('exit', () => { clearTimeout(t); resolve() })
    p.kill('SIGTERM')
  })
}

/** `swarmcdn serve <dir> --port 0 --allow-stats-reset [--latency-ms] [--bandwidth]`. */
export async function serve (dir, { latencyMs, bandwidth } = {}) {
  const args = ['serve', dir, '--port', '0', '--allow-stats-reset']
  if (latencyMs !== undefined) args.push('--latency-ms', String(latencyMs))
  if (bandwidth !== undefined) args.push('--bandwidth', String(bandwidth))
  const { proc, match } = await startLongRunning(args, /swarmcdn: serving .* at (http:\/\/\S+\/)/)
  const url = match[1]
  return {
    url,
    pid: proc.pid,
    stats: async () => (await fetch(new URL('swarmcdn/stats', url))).json(),
    reset: async () => { const r = await fetch(new URL('swarmcdn/stats/reset', url), { method: 'POST' }); if (!r.ok) throw new Error(`stats reset: ${r.status}`) },
    close: () => stopProcess(proc)
  }
}

/** `swarmcdn tracker --port 0` (admits every infohash). */
export async function tracker () {
  const { proc, match } = await startLongRunning(['tracker', '--port', '0'], /swarmcdn: tracker at (ws:\/\/\S+)/)
  const wsUrl = match[1]
  const statsUrl = wsUrl.replace(/^ws:/, 'http:').replace(/\/announce$/, '/stats')
  return {
    url: wsUrl,
    pid: proc.pid,
    stats: async () => (await fetch(statsUrl)).json(),
    close: () => stopProcess(proc)
  }
}

/** Resident memory of a process in bytes (Linux /proc). */
export function rssBytes (pid) {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
  return m ? Number(m[1]) * 1024 : NaN
}

/** CPU seconds (user + system) a process has used so far (Linux /proc). */
export function cpuSeconds (pid) {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8')
  const rest = f.slice(f.lastIndexOf(')') + 2).split(' ')
  // Fields 14 and 15 (utime, stime) counted from 1; `rest` starts at field 3.
  return (Number(rest[11]) + Number(rest[12])) / 100
}

/**
 * CPU seconds used so far by every thread of every Chromium process (Linux
 * /proc), keyed by thread, with a role from the process type and thread name:
 * what a transfer costs and where, since on a small machine the CPU is what
 * bounds it. Returns null where /proc is not there.
 */
export function chromiumThreadCpu () {
  let pids
  try { pids = readdirSync('/proc').filter((d) => /^\d+$/.test(d)) } catch { return null }
  const out = new Map()
  for (const pid of pids) {
    let cmd
    try { cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8') } catch { continue }
    if (!/chrom/.test(cmd.split('\0')[0] ?? '')) continue
    const type = /--type=([\w-]+)/.exec(cmd)?.[1] ?? 'browser'
    const sub = /--utility-sub-type=([\w.]+)/.exec(cmd)?.[1].split('.').pop()
    let tids
    try { tids = readdirSync(`/proc/${pid}/task`) } catch { continue }
    for (const tid of tids) {
      try {
        const st = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8')
        const comm = st.slice(st.indexOf('(') + 1, st.lastIndexOf(')'))
        const rest = st.slice(st.lastIndexOf(')') + 2).split(' ')
        out.set(`${pid}/${tid}`, { role: threadRole(type, sub, comm, pid === tid), seconds: (Number(rest[11]) + Number(rest[12])) / 100 })
      } catch { /* thread ended */ }
    }
  }
  return out
}

function threadRole (type, sub, comm, isMain) {
  if (type === 'renderer') {
    if (isMain) return 'renderer main threads (page JS)'
    if (comm.startsWith('WebRTC')) return 'renderer WebRTC threads (SCTP, DTLS)'
    if (comm.startsWith('ServiceWorker')) return 'service worker thread'
    if (comm.includes('IOT')) return 'renderer IO threads (IPC)'
    return 'renderer other threads (GC, WebCrypto)'
  }
  if (type === 'utility' && sub === 'NetworkService') return 'network service (UDP sockets)'
  return 'browser and other processes'
}

/** CPU seconds per role between two chromiumThreadCpu() snapshots (null if either is). */
export function cpuByRole (before, after) {
  if (!before || !after) return null
  const roles = {}
  for (const [k, v] of after) {
    const d = v.seconds - (before.get(k)?.seconds ?? 0)
    if (d > 0) roles[v.role] = Math.round(((roles[v.role] ?? 0) + d) * 100) / 100
  }
  roles.total = Math.round(Object.values(roles).reduce((a, b) => a + b, 0) * 100) / 100
  return roles
}

/** Origin bytes for the given asset paths, from the origin's own counter. */
export function assetBytes (stats, paths) {
  return paths.reduce((n, p) => n + (stats.origin.byPath[p]?.bytes ?? 0), 0)
}

// ── Chromium ────────────────────────────────────────────────────────────────

export { chromiumPath, CHROMIUM_ARGS } from '../scripts/chromium.mjs'

export function launch () {
  return launchChromium()
}

/** A fresh visitor (own profile) opening `url`. */
export async function visit (browser, url, contextOptions = {}) {
  const context = await browser.newContext(contextOptions)
  const page = await context.newPage()
  await page.goto(url)
  return { context, page }
}

export async function waitControlled (page, timeout = 20_000) {
  await page.waitForFunction(() => Boolean(navigator.serviceWorker.controller), undefined, { timeout })
}

export function stats (page) {
  return page.evaluate(() => window.swarmcdn.stats())
}

async function poll (page, test, what, timeout) {
  const start = Date.now()
  for (;;) {
    const s = await stats(page)
    if (test(s)) return s
    if (Date.now() - start > timeout) throw new Error(`${what} not reached after ${timeout} ms: ${JSON.stringify({ peers: s.peers, engine: s.engine })}`)
    await page.waitForTimeout(50)
  }
}

export const waitForPeers = (page, n = 1, timeout = 20_000) => poll(page, (s) => s.peers >= n, `${n} peer(s)`, timeout)
export const waitForEngine = (page, timeout = 20_000) => poll(page, (s) => s.engine?.running === true, 'engine running', timeout)
export const waitForSeed = (page, timeout = 60_000) => poll(page, (s) => s.engine && s.engine.piecesTotal > 0 && s.engine.piecesHeld === s.engine.piecesTotal, 'full seed', timeout)

/** fetch() of every path inside the page (through the SW); returns the source of each. */
export function fetchAllInPage (page, paths) {
  return page.evaluate(async (paths) => {
    const out = {}
    for (const p of paths) {
      const res = await fetch(p)
      const buf = await res.arrayBuffer()
      out[p] = { status: res.status, source: res.headers.get('x-swarmcdn-source'), length: buf.byteLength }
    }
    return out
  }, paths)
}

/** Reads `path` in the page, timing first byte and last byte; nothing crosses to Node but numbers. */
export function timedFetch (page, path) {
  return page.evaluate(async (path) => {
    const t0 = performance.now()
    const res = await fetch(path)
    const reader = res.body.getReader()
    let n = 0
    let first = null
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      if (first === null) first = performance.now()
      n += value.length
    }
    return { bytes: n, ms: performance.now() - t0, firstByteMs: first - t0, source: res.headers.get('x-swarmcdn-source') }
  }, path)
}

/** Load timing of the page that is open now: load event and each asset's Resource Timing. */
export function loadTiming (page, paths) {
  return page.evaluate((paths) => {
    const nav = performance.getEntriesByType('navigation')[0]
    const assets = {}
    for (const e of performance.getEntriesByType('resource')) {
      const p = new URL(e.name).pathname
      if (paths.includes(p)) assets[p] = { duration: e.responseEnd - e.startTime, ttfb: e.responseStart - e.startTime, workerStart: e.workerStart }
    }
    return { load: nav.loadEventStart, dcl: nav.domContentLoadedEventStart, assets }
  }, paths)
}

// ── statistics and formatting ───────────────────────────────────────────────

export function quantile (xs, q) {
  if (!xs.length) return NaN
  const s = [...xs].sort((a, b) => a - b)
  const i = (s.length - 1) * q
  const lo = Math.floor(i)
  const hi = Math.ceil(i)
  return s[lo] + (s[hi] - s[lo]) * (i - lo)
}
export const median = (xs) => quantile(xs, 0.5)

/** Rejects after `ms` with a clear message, so one figure cannot eat the bench's time. */
export function withTimeout (promise, ms, what) {
  let t
  return Promise.race([
    promise.finally(() => clearTimeout(t)),
    new Promise((_resolve, reject) => { t = setTimeout(() => reject(new Error(`${what}: gave up after ${ms / 1000} s`)), ms) })
  ])
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))
