// Memory and re-seed time of a visitor who holds a large site (DESIGN §4,
// "Memory"): the leader page's JS memory (V8 heap + ArrayBuffer backing
// stores, over CDP after a forced GC) while it holds and seeds the bytes, and
// the time from a reload's navigation until its engine seeds them again, at
// two sizes held (flat in bytes held is the goal).
//
// Side by side with another tree: `node bench/memory.js --base /path/to/tree`
// runs the same site with that tree's built runtime (its own bin/ and dist/)
// and prints both. `npm run bench` runs this tree only.
import { spawn } from 'node:child_process'
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { bytes, launch, ROOT, runProcess, sleep, stats, waitControlled } from './lib.js'

const MiB = 1024 * 1024
/** 20 assets of 10 MiB: 200 MiB held in all, the size DESIGN §4 names. */
const ASSETS = 20
const ASSET_BYTES = 10 * MiB
/** The first size held (flatness check): a quarter of the assets. */
const FIRST_SHARE = 5

async function makeBigSite (dir) {
  await mkdir(join(dir, 'media'), { recursive: true })
  const paths = []
  for (let i = 0; i < ASSETS; i++) {
    const p = `/media/part${String(i).padStart(2, '0')}.bin`
    await writeFile(join(dir, p), bytes(ASSET_BYTES, 900 + i))
    paths.push(p)
  }
  await writeFile(join(dir, 'index.html'), '<!doctype html><title>memory</title><script src="/swarmcdn.js" defer data-ice-servers="[]" data-prefetch-budget="0"></script><p>memory bench</p>')
  return paths
}

/** `swarmcdn serve` of the tree at `root` (its own CLI and runtime files). */
function serveWith (root, dir) {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [join(root, 'bin', 'swarmcdn.js'), 'serve', dir, '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    const t = setTimeout(() => { p.kill('SIGKILL'); reject(new Error('serve printed no URL')) }, 15_000)
    p.stdout.on('data', (d) => {
      out += d
      const m = /serving .* at (http:\/\/\S+\/)/.exec(out)
      if (m) { clearTimeout(t); resolve({ url: m[1], close: () => new Promise((r) => { p.once('exit', r); p.kill('SIGTERM') }) }) }
    })
    p.on('exit', (code) => { clearTimeout(t); reject(new Error(`serve exited ${code}`)) })
  })
}

/** V8 heap used + ArrayBuffer backing stores of the page, after a GC. */
async function jsMemory (cdp) {
  await cdp.send('HeapProfiler.enable')
  await cdp.send('HeapProfiler.collectGarbage')
  await sleep(200)
  await cdp.send('HeapProfiler.collectGarbage')
  const u = await cdp.send('Runtime.getHeapUsage')
  return { heap: u.usedSize, arrayBuffers: u.backingStorageSize ?? 0, total: u.usedSize + (u.backingStorageSize ?? 0) }
}

/** Fetches `paths` through the SW, then waits until the engine seeds `want` pieces or more. */
async function hold (page, paths) {
  await page.evaluate(async (paths) => { for (const p of paths) await (await fetch(p)).arrayBuffer() }, paths)
}

async function seeding (page, atLeast, timeout = 120_000) {
  const t0 = Date.now()
  for (;;) {
    const s = await stats(page)
    if (s.engine?.running && s.engine.piecesHeld >= atLeast) return s.engine
    if (Date.now() - t0 > timeout) throw new Error(`engine did not seed ${atLeast} pieces: ${JSON.stringify(s.engine)}`)
    await sleep(100)
  }
}

/** Pieces an asset set fills (assets are piece-aligned). */
async function piecesOf (url, paths) {
  const m = await (await fetch(new URL('swarmcdn.json', url))).json()
  return paths.reduce((n, p) => n + Math.ceil(m.assets[p].size / m.pieceLength), 0)
}

/**
 * Waits until the store has settled: no entry added or removed for 2 s (a
 * large asset's blocks become one entry in the background after its last
 * block, and a reload during that work waits on Cache Storage behind it).
 */
async function settled (page, timeout = 120_000) {
  const count = () => page.evaluate(async () => { let n = 0; for (const name of await caches.keys()) n += (await (await caches.open(name)).keys()).length; return n })
  const t0 = Date.now()
  let last = await count()
  let since = Date.now()
  while (Date.now() - since < 2000) {
    if (Date.now() - t0 > timeout) throw new Error('store did not settle')
    await sleep(250)
    const n = await count()
    if (n !== last) { last = n; since = Date.now() }
  }
  return Date.now() - t0
}

/** Reload, and time from the navigation until the engine seeds `want` pieces again. */
async function reseedMs (page, want) {
  await page.addInitScript((want) => {
    window.__seeded = new Promise((resolve) => {
      const on = () => {
        window.swarmcdn?.addEventListener('status', (e) => {
          const d = e.detail
          if (d.running && d.piecesHeld >= want) resolve({ ms: performance.now(), engineStart: d.startedAt - performance.timeOrigin, engineReady: d.readyAt - performance.timeOrigin })
        })
      }
      if (window.swarmcdn) on(); else document.addEventListener('DOMContentLoaded', on)
    })
  }, want)
  await page.reload()
  return page.evaluate(() => Promise.race([window.__seeded, new Promise((resolve) => setTimeout(() => resolve({ ms: NaN }), 60_000))]))
}

async function measureTree (root, dir, paths) {
  const pub = await runProcess(process.execPath, [join(root, 'bin', 'swarmcdn.js'), 'publish', dir, '--json'])
  if (pub.code !== 0) throw new Error(`publish failed: ${pub.stderr}`)
  const server = await serveWith(root, dir)
  const browser = await launch()
  try {
    const context = await browser.newContext()
    const page = await context.newPage()
    const cdp = await context.newCDPSession(page)
    await page.goto(new URL('index.html', server.url).href)
    await waitControlled(page)
    const first = paths.slice(0, FIRST_SHARE)
    const firstPieces = await piecesOf(server.url, first)
    await hold(page, first)
    await seeding(page, firstPieces)
    await settled(page)
    const reseedSmall = await reseedMs(page, firstPieces)
    await hold(page, paths)
    const allPieces = await piecesOf(server.url, paths)
    await seeding(page, allPieces)
    const mem = await jsMemory(cdp)
    const settleMs = await settled(page)
    const reseedLarge = await reseedMs(page, allPieces)
    await seeding(page, allPieces)
    const memAfterReload = await jsMemory(await context.newCDPSession(page))
    await context.close()
    return {
      heldMiB: (ASSETS * ASSET_BYTES) / MiB,
      jsMemoryMiB: mem.total / MiB,
      heapMiB: mem.heap / MiB,
      arrayBuffersMiB: mem.arrayBuffers / MiB,
      jsMemoryAfterReloadMiB: memAfterReload.total / MiB,
      reseedMs: { [`${FIRST_SHARE * ASSET_BYTES / MiB}MiB`]: reseedSmall.ms, [`${ASSETS * ASSET_BYTES / MiB}MiB`]: reseedLarge.ms },
      /** Where the re-seed time goes: the engine's start and its join, from the navigation. */
      reseedEngine: { small: reseedSmall, large: reseedLarge },
      /** How long the store kept writing after the engine seeded everything (before the reload). */
      settleMs
    }
  } finally {
    await browser.close()
    await server.close()
  }
}

/** The figure: this tree, and `baseRoot` beside it when given. */
export async function memory (baseRoot = null) {
  const { mkdtemp, rm } = await import('node:fs/promises')
  const { tmpdir } = await import('node:os')
  const dir = await mkdtemp(join(tmpdir(), 'swarmcdn-bench-mem-'))
  try {
    const paths = await makeBigSite(dir)
    const out = { goal: { jsMemoryMiB: 64, reseedMs: 2000 } }
    if (baseRoot) out.base = await measureTree(baseRoot, dir, paths)
    out.current = await measureTree(ROOT, dir, paths)
    return out
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const i = process.argv.indexOf('--base')
  const r = await memory(i > 0 ? process.argv[i + 1] : null)
  const row = (name, m) => m && console.log(`${name.padEnd(8)} JS memory ${m.jsMemoryMiB.toFixed(1)} MiB (heap ${m.heapMiB.toFixed(1)}, ArrayBuffers ${m.arrayBuffersMiB.toFixed(1)}; after reload ${m.jsMemoryAfterReloadMiB.toFixed(1)}) holding ${m.heldMiB} MiB; re-seed after reload ${Object.entries(m.reseedMs).map(([k, v]) => `${k}: ${(v / 1000).toFixed(2)} s`).join(', ')}`)
  row('base', r.base)
  row('current', r.current)
  console.log(JSON.stringify(r, null, 2))
}
