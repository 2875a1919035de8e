// Case 1: a peer serves corrupted pieces. WebTorrent alone never bans it
// (webtorrent #2432); the engine must cut it after its first bad piece, and
// nothing it sent may reach the page, Cache Storage or another peer.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser } from 'playwright-core'
import type { RunningServer } from '../../../src/server/index.js'
import { fetchAll, launch, makeSite, originBytes, publishAndServe, sha256, stats, visit, waitControlled, waitForPeers, waitForSeed, type Site, type Visitor } from '../harness.js'
import { cachedDigests, flipAll, nodeSeeder, siteBytes, sriOf, until, waitForFirstPeer, type NodeSeeder } from './helpers.js'

/** Pieces are 16 KiB (DEFAULT_PIECE_LENGTH): one piece, one sender. */
const PIECE = 16 * 1024

const ASSETS = {
  '/css/site.css': 9_000,
  '/js/app.js': 70_000,
  '/img/a.png': 150_000,
  '/img/b.jpg': 400_000, // > 256 KiB: verified per block
  '/font/f.woff2': 30_000
}

let browser: Browser
const cleanups: Array<() => Promise<unknown>> = []
beforeAll(async () => { browser = await launch() })
afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => {})
  await browser?.close()
})

async function setup (): Promise<{ site: Site, server: RunningServer }> {
  const site = await makeSite({ assets: ASSETS, seed: 11 })
  const server = await publishAndServe(site)
  cleanups.push(() => site.cleanup(), () => server.close())
  return { site, server }
}

async function seeder (site: Site, server: RunningServer): Promise<NodeSeeder> {
  const n = await nodeSeeder(site, server, { corrupt: flipAll })
  cleanups.push(() => n.destroy())
  return n
}

async function expectCacheClean (v: Visitor, site: Site): Promise<void> {
  const good = new Set(Object.values(site.assets).map((b) => sriOf(sha256(b))))
  for (const e of await cachedDigests(v.page)) {
    if (!e.url.includes('/__swarmcdn/asset/') && !/sha256-/.test(decodeURIComponent(e.url))) continue
    // Every asset entry holds exactly the bytes its key (the SRI) names.
    const key = decodeURIComponent(e.url.split('/').pop() ?? '')
    if (!key.startsWith('sha256-')) continue
    expect(good.has(key), e.url).toBe(true)
    expect(sriOf(e.sha256), e.url).toBe(key)
  }
}

describe('a peer that serves corrupted pieces', () => {
  it('alone: the page gets exact origin bytes, the peer is banned, ≤ 2 pieces wasted, cache and other peers stay clean', async () => {
    const { site, server } = await setup()
    const bad = await seeder(site, server)
    const b = await visit(browser, server.url)
    cleanups.push(() => b.context.close())
    await waitControlled(b.page)
    await waitForFirstPeer(b.page)
    const got = await fetchAll(b.page, site)
    for (const [path, r] of Object.entries(got)) {
      expect(r.status, path).toBe(200)
      expect(r.sha256, path).toBe(sha256(site.assets[path]!))
    }
    const s = await stats(b.page)
    expect(bad.uploaded(), 'the corrupt seeder was asked for pieces').toBeGreaterThan(0)
    expect(s.engine.banned).toBeGreaterThanOrEqual(1)
    // The figure the benchmark reports: bytes taken in before the cut.
    console.info(`corrupt seeder alone: wasted ${s.engine.bytesWasted} B (${(s.engine.bytesWasted / PIECE).toFixed(2)} pieces), seeder uploaded ${bad.uploaded()} B`)
    expect(s.engine.bytesWasted).toBeGreaterThan(0)
    expect(s.engine.bytesWasted).toBeLessThanOrEqual(2 * PIECE)
    // Cut: the seeder holds no open wire to this visitor, and none comes back.
    await until(() => bad.wires.every((w) => w.destroyed), 5000, 'the corrupt wire to close')
    await b.page.waitForTimeout(1500)
    expect(bad.torrent.wires.filter((w) => !w.destroyed)).toHaveLength(0)
    await waitForSeed(b.page)
    await expectCacheClean(b, site)
    expect(b.errors).toEqual([])

    // Another visitor: whatever it gets from B (or the bad peer) is exact.
    const c = await visit(browser, server.url)
    cleanups.push(() => c.context.close())
    await waitControlled(c.page)
    await waitForFirstPeer(c.page)
    const gotC = await fetchAll(c.page, site)
    for (const [path, r] of Object.entries(gotC)) expect(r.sha256, path).toBe(sha256(site.assets[path]!))
    const sc = await stats(c.page)
    expect(sc.bytesFromPeers + sc.bytesPrefetched).toBeGreaterThan(0)
    expect(sc.engine.bytesWasted).toBeLessThanOrEqual(2 * PIECE)
    await expectCacheClean(c, site)
    expect(c.errors).toEqual([])
  })

  it('beside an honest browser seeder: every byte exact, ≥ 90 % of assets from peers, ≤ 2 pieces wasted', async () => {
    const { site, server } = await setup()
    const a = await visit(browser, server.url)
    cleanups.push(() => a.context.close())
    await waitControlled(a.page)
    await fetchAll(a.page, site)
    await waitForSeed(a.page)
    const bad = await seeder(site, server)
    const v = await visit(browser, server.url)
    cleanups.push(() => v.context.close())
    await waitControlled(v.page)
    await waitForPeers(v.page, 1)
    await waitForFirstPeer(v.page)
    const paths = Object.keys(site.assets)
    const before = Object.fromEntries(paths.map((p) => [p, originBytes(server, [p])]))
    const got = await fetchAll(v.page, site)
    for (const [path, r] of Object.entries(got)) {
      expect(r.sha256, path).toBe(sha256(site.assets[path]!))
      expect(r.source, path).not.toBeNull()
    }
    // The origin's own counter decides: 'cache' here means prefetched from peers.
    const fromOrigin = paths.map((p) => originBytes(server, [p]) - before[p]!)
    const assetsFromPeers = fromOrigin.filter((n) => n === 0).length
    expect(assetsFromPeers / paths.length).toBeGreaterThanOrEqual(0.9)
    expect(1 - fromOrigin.reduce((a, b) => a + b, 0) / siteBytes(site)).toBeGreaterThanOrEqual(0.9)
    const s = await stats(v.page)
    console.info(`corrupt + honest seeder: wasted ${s.engine.bytesWasted} B, banned ${s.engine.banned}, corrupt seeder uploaded ${bad.uploaded()} B, assets from peers ${assetsFromPeers}/${paths.length}`)
    // Whenever the bad peer got to send anything, it was cut.
    if (bad.uploaded() > 0) expect(s.engine.banned).toBeGreaterThanOrEqual(1)
    expect(s.engine.bytesWasted).toBeLessThanOrEqual(2 * PIECE)
    await waitForSeed(v.page)
    await expectCacheClean(v, site)
    expect(v.errors).toEqual([])
  })
})
