// `swarmcdn seed`: a Node WebRTC peer (the real CLI, @roamhq/wrtc) seeds the
// release from the published tree, so the first visitor of an empty swarm
// gets its assets from a peer, verified like any other peer's bytes.
//
// What is measured: assets the visitor requests once its engine is up (a
// first page is parsed before the service worker controls it, README
// "Multi-page sites"), and its second page, whose assets the page itself
// requests while parsing.
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { spawn, type ChildProcess } from 'node:child_process'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { once } from 'node:events'
import type { Browser } from 'playwright-core'
import { publish } from '../../src/cli/publish.js'
import { bytes, launch, makeSite, publishAndServe, visit, waitControlled, waitForPeers, pageFetch, sha256, stats, SCRIPT_TAG, type Site } from './harness.js'
import type { RunningServer } from '../../src/server/index.js'

const CLI = join(import.meta.dirname, '../../bin/swarmcdn.js')

interface Proc { child: ChildProcess, out: string[], err: string[] }

function runCli (args: string[], nodeArgs: string[] = []): Proc {
  const child = spawn(process.execPath, [...nodeArgs, CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
  const out: string[] = []
  const err: string[] = []
  child.stdout!.on('data', (d: Buffer) => out.push(d.toString()))
  child.stderr!.on('data', (d: Buffer) => err.push(d.toString()))
  return { child, out, err }
}

async function exitOf (p: Proc, timeoutMs = 30_000): Promise<number | null> {
  if (p.child.exitCode !== null) return p.child.exitCode
  const t = setTimeout(() => p.child.kill('SIGKILL'), timeoutMs)
  const [code] = await once(p.child, 'exit') as [number | null]
  clearTimeout(t)
  return code
}

async function waitLine (p: Proc, re: RegExp, timeoutMs = 30_000): Promise<void> {
  const start = Date.now()
  while (!re.test(p.out.join(''))) {
    if (p.child.exitCode !== null) throw new Error(`seeder exited ${p.child.exitCode}: ${p.err.join('')}`)
    if (Date.now() - start > timeoutMs) throw new Error(`no ${re} after ${timeoutMs} ms: ${p.out.join('')} ${p.err.join('')}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

const ASSETS: Record<string, number> = {
  '/css/site.css': 6_000,
  '/js/app.js': 40_000,
  '/img/small.png': 60_000,
  '/img/photo.jpg': 700_000,
  '/img/large.jpg': 1_500_000
}
const page2 = `<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>two</title>${SCRIPT_TAG}
<link rel="stylesheet" href="/css/site.css"></head><body><h1>two</h1>
<img src="/img/small.png"><img src="/img/photo.jpg"><img src="/img/large.jpg"><script src="/js/app.js" defer></script></body></html>`

let site: Site
let server: RunningServer
let browser: Browser
const procs: Proc[] = []

beforeAll(async () => {
  site = await makeSite({
    assets: ASSETS,
    pages: {
      '/index.html': `<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>one</title>${SCRIPT_TAG}</head><body><a href="/two.html">two</a></body></html>`,
      '/two.html': page2
    }
  })
  // A hybrid server sits near its visitors; the origin is far (200 ms to a
  // first byte, 1 MB/s per response). On loopback the origin would outrun
  // any peer, and the SW rightly takes what comes first (sw/rates.ts): the
  // test would measure that race, not the seeder.
  server = await publishAndServe(site, { latencyMs: 200, bandwidthBytesPerSec: 1_000_000 })
  browser = await launch()
})
afterAll(async () => {
  for (const p of procs) if (p.child.exitCode === null) p.child.kill('SIGKILL')
  await browser?.close()
  await server?.close()
  await site?.cleanup()
})

describe('swarmcdn seed', () => {
  it('refuses a tree that does not match the origin manifest, an unreachable origin, a missing Node WebRTC', async () => {
    const other = await makeSite({ assets: { ...ASSETS, '/img/photo.jpg': 700_000 }, seed: 99 })
    try {
      const bad = runCli(['seed', other.dir, '--origin', server.url, '--ice-servers', '[]'])
      procs.push(bad)
      expect(await exitOf(bad)).toBe(1)
      expect(bad.err.join('')).toMatch(/does not match the origin's manifest/)
      expect(bad.err.join('')).toMatch(/\/img\/photo\.jpg: hash/)
      const gone = runCli(['seed', site.dir, '--origin', 'http://127.0.0.1:9/', '--ice-servers', '[]'])
      procs.push(gone)
      expect(await exitOf(gone)).toBe(1)
      expect(gone.err.join('')).toMatch(/cannot reach the origin at http:\/\/127\.0\.0\.1:9/)
      await writeFile(join(other.dir, 'x'), 'x')
      const notDir = runCli(['seed', join(other.dir, 'x'), '--origin', server.url])
      procs.push(notDir)
      expect(await exitOf(notDir)).toBe(1)
      // Without the optional Node WebRTC package (a loader hook makes it unresolvable, as on an
      // install where it failed): a clear error, not a stack trace.
      await writeFile(join(other.dir, 'hooks.mjs'), `export async function resolve (s, c, next) {
  if (s === '@roamhq/wrtc' || s.startsWith('@roamhq/wrtc/')) { const e = new Error("Cannot find package '@roamhq/wrtc'"); e.code = 'ERR_MODULE_NOT_FOUND'; throw e }
  return next(s, c)
}\n`)
      await writeFile(join(other.dir, 'register.mjs'), "import { register } from 'node:module'\nregister(new URL('./hooks.mjs', import.meta.url))\n")
      const noWrtc = runCli(['seed', site.dir, '--origin', server.url, '--ice-servers', '[]'], ['--import', join(other.dir, 'register.mjs')])
      procs.push(noWrtc)
      expect(await exitOf(noWrtc)).toBe(1)
      expect(noWrtc.err.join('')).toMatch(/needs Node WebRTC, the optional dependency @roamhq\/wrtc.*npm install @roamhq\/wrtc/s)
    } finally {
      await other.cleanup()
    }
  })

  it('seeds the release: the first visitor of an empty swarm gets ≥ 0.9 of its assets from it, exact; SIGTERM stops cleanly', async () => {
    const seeder = runCli(['seed', site.dir, '--origin', server.url, '--ice-servers', '[]'])
    procs.push(seeder)
    await waitLine(seeder, /seeder ready/)
    // The tracker counts it as a complete peer.
    const deadline = Date.now() + 10_000
    while (server.stats().tracker.seeders < 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100))
    expect(server.stats().tracker.seeders).toBe(1)
    server.resetStats()

    const v = await visit(browser, server.url)
    await waitControlled(v.page)
    await waitForPeers(v.page, 1)
    // Assets requested once the engine is up.
    // (Its engine may already have prefetched them from the seeder, the index page linking to
    // page two: those come as `cache`, from the verified cache the peer bytes went into.)
    let total = 0
    const bySource: Record<string, number> = {}
    for (const [path, data] of Object.entries(site.assets)) {
      const r = await pageFetch(v.page, path)
      expect(r.status, path).toBe(200)
      expect(r.sha256, path).toBe(sha256(data))
      total += data.length
      bySource[r.source ?? 'none'] = (bySource[r.source ?? 'none'] ?? 0) + data.length
    }
    const originAssetBytes = Object.keys(site.assets).reduce((n, p) => n + (server.stats().origin.byPath[p]?.bytes ?? 0), 0)
    const engine = (await v.page.evaluate(async () => await window.swarmcdn!.stats())).engine as { bytesDownloaded: number }
    console.log(`seeder: first visitor, assets after engine start: ${JSON.stringify(bySource)} of ${total} bytes (X-SwarmCDN-Source); its engine took ${engine.bytesDownloaded} bytes from peers; origin sent ${originAssetBytes} asset bytes`)
    expect(((bySource.peer ?? 0) + (bySource.cache ?? 0)) / total).toBeGreaterThanOrEqual(0.9)
    expect(engine.bytesDownloaded / total).toBeGreaterThanOrEqual(0.9)
    expect(1 - originAssetBytes / total).toBeGreaterThanOrEqual(0.9)
    await v.context.close()

    // Another first visitor, measured on its second page (requested by the page's own tags).
    server.resetStats()
    const w = await visit(browser, server.url)
    await waitControlled(w.page)
    await waitForPeers(w.page, 1)
    // While the visitor reads page one, the engine fetches the linked page's assets from peers (prefetch).
    const want = Object.values(site.assets).reduce((n, d) => n + d.length, 0)
    // Polled from here: Playwright's waitForFunction takes an async predicate's promise as truthy.
    await expect.poll(async () => (await stats(w.page)).bytesPrefetched, { timeout: 30_000, interval: 200 }).toBeGreaterThanOrEqual(want)
    await w.page.goto(`${server.url}two.html`)
    await w.page.waitForFunction(() => Array.from(document.images).every((i) => i.complete && i.naturalWidth >= 0), undefined, { timeout: 30_000 })
    await w.page.waitForLoadState('load')
    const s2 = server.stats()
    const page2Bytes = Object.values(site.assets).reduce((n, d) => n + d.length, 0)
    const page2Origin = Object.keys(site.assets).reduce((n, p) => n + (s2.origin.byPath[p]?.bytes ?? 0), 0)
    console.log(`seeder: first visitor's second page: origin sent ${page2Origin} of ${page2Bytes} asset bytes (offload ${(1 - page2Origin / page2Bytes).toFixed(3)})`)
    // The SW counts a prefetched asset only once the keeper stored it (sw/adopt.ts), so
    // the page's parse-time requests find every byte in the verified cache.
    expect(1 - page2Origin / page2Bytes).toBeGreaterThanOrEqual(0.9)
    await w.context.close()

    seeder.child.kill('SIGTERM')
    expect(await exitOf(seeder, 10_000)).toBe(0)
    // Its uploads were reported on the way out.
    expect(server.stats().reported.seederReports).toBeGreaterThanOrEqual(1)
    expect(server.stats().reported.bytesUploaded).toBeGreaterThan(0)
  })

  it('obeys --upload-limit, and follows a new release once the tree matches it', async () => {
    const LIMIT = 400 * 1024
    // Only this seeder serves (an earlier test's may still run if it failed).
    for (const p of procs) if (p.child.exitCode === null) p.child.kill('SIGKILL')
    const seeder = runCli(['seed', site.dir, '--origin', server.url, '--ice-servers', '[]', '--upload-limit', '400k'])
    procs.push(seeder)
    await waitLine(seeder, /seeder ready/)
    const v = await visit(browser, server.url)
    try {
      await waitControlled(v.page)
      await waitForPeers(v.page, 1)
      const r = await pageFetch(v.page, '/img/large.jpg')
      expect(r.sha256).toBe(sha256(site.assets['/img/large.jpg']!))
      // The engine also prefetches from the seeder from its first peer on: measure all it took since then.
      const e = (await v.page.evaluate(async () => await window.swarmcdn!.stats())).engine as { bytesDownloaded: number, firstPeerAt: number }
      const fromPeers = e.bytesDownloaded
      const seconds = (Date.now() - e.firstPeerAt) / 1000
      console.log(`seeder: --upload-limit 400k: ${fromPeers} bytes from the seeder in ${seconds.toFixed(2)} s (${Math.round(fromPeers / seconds / 1024)} KiB/s)`)
      // The seeder served at its limit. The page's demand (2.3 MB at once) is more than
      // 400 KiB/s can carry, and the SW hedges a peer that falls behind the origin's
      // projected finish with origin Ranges, so not all of it comes from the seeder.
      expect(fromPeers).toBeGreaterThan(LIMIT)
      // The first block may leave before the throttle's bucket is empty: allow one second's worth.
      expect(fromPeers).toBeLessThanOrEqual(LIMIT * (seconds + 1))
    } finally {
      await v.context.close()
    }

    // A deploy: one asset changes and the site is republished; the seeder moves to the new release.
    const before = server.stats().release!.infoHash
    const next = bytes(6_000, 4242)
    await writeFile(join(site.dir, 'css/site.css'), next)
    site.assets['/css/site.css'] = next
    await publish({ dir: site.dir, onWarning: () => {} })
    const manifest = JSON.parse(await readFile(join(site.dir, 'swarmcdn.json'), 'utf8')) as { infoHash: string }
    expect(manifest.infoHash).not.toBe(before)
    await waitLine(seeder, new RegExp(`seeding release ${manifest.infoHash}`), 20_000)
    const w = await visit(browser, server.url)
    try {
      await waitControlled(w.page)
      await waitForPeers(w.page, 1)
      const r = await pageFetch(w.page, '/img/photo.jpg')
      expect(r.sha256).toBe(sha256(site.assets['/img/photo.jpg']!))
      // From the seeder of the new release (the only peer); at 400 KiB/s the SW may
      // hedge part of it with the origin ('mixed'), never all ('origin').
      expect(['peer', 'mixed']).toContain(r.source)
      const css = await pageFetch(w.page, '/css/site.css')
      expect(css.sha256).toBe(sha256(next))
    } finally {
      await w.context.close()
    }
    seeder.child.kill('SIGTERM')
    expect(await exitOf(seeder, 10_000)).toBe(0)
  })
})
