// The P2P fetch path end to end: real origin + tracker, real Chromium peers.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser } from 'playwright-core'
import type { RunningServer } from '../../src/server/index.js'
import { fetchAll, launch, makeSite, originBytes, pageFetch, publishAndServe, sha256, stats, visit, waitControlled, waitForPeers, waitForSeed, type Site, type Visitor } from './harness.js'

let browser: Browser
let site: Site
let server: RunningServer
const visitors: Visitor[] = []

beforeAll(async () => {
  browser = await launch()
  site = await makeSite()
  server = await publishAndServe(site)
})

afterAll(async () => {
  for (const v of visitors) await v.context.close().catch(() => {})
  await browser?.close()
  await server?.close()
  await site?.cleanup()
})

describe('second visitor gets assets from the first', () => {
  it('A seeds what it loaded from the origin; B gets every asset from A, verified', async () => {
    const a = await visit(browser, server.url)
    visitors.push(a)
    await waitControlled(a.page)
    const fromA = await fetchAll(a.page, site)
    for (const [path, r] of Object.entries(fromA)) {
      expect(r.status, path).toBe(200)
      expect(r.source, path).toBe('origin')
      expect(r.sha256, path).toBe(sha256(site.assets[path]!))
    }
    await waitForSeed(a.page)
    const assetPaths = Object.keys(site.assets)
    const originBefore = originBytes(server, assetPaths)

    const b = await visit(browser, server.url)
    visitors.push(b)
    await waitControlled(b.page)
    await waitForPeers(b.page)
    const fromB = await fetchAll(b.page, site)
    for (const [path, r] of Object.entries(fromB)) {
      expect(r.status, path).toBe(200)
      expect(r.source, path).toBe('peer')
      expect(r.length, path).toBe(site.assets[path]!.length)
      expect(r.sha256, path).toBe(sha256(site.assets[path]!))
    }
    // The origin's own counter: B's asset bytes did not come from it.
    expect(originBytes(server, assetPaths)).toBe(originBefore)
    const sb = await stats(b.page)
    const total = Object.values(site.assets).reduce((n, x) => n + x.length, 0)
    expect(sb.bytesFromPeers).toBe(total)
    expect(sb.bytesFromOrigin).toBe(0)
    const sa = await stats(a.page)
    expect(sa.bytesUploaded).toBeGreaterThanOrEqual(total)

    // Served again: now from B's verified cache.
    const again = await pageFetch(b.page, '/img/photo.jpg')
    expect(again.source).toBe('cache')
    expect(again.sha256).toBe(sha256(site.assets['/img/photo.jpg']!))
    expect(a.errors).toEqual([])
    expect(b.errors).toEqual([])
  })
})
