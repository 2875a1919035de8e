// Visitors report what the origin cannot see: the bytes their pages got from
// peers and the bytes their engines uploaded. /swarmcdn/stats sums them under
// `reported`, next to the origin's own counters, and cross-checks both sides.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser } from 'playwright-core'
import type { RunningServer } from '../../src/server/index.js'
import { fetchAll, launch, makeSite, publishAndServe, visit, waitControlled, waitForPeers, waitForSeed, type Site, type Visitor } from './harness.js'

let browser: Browser
let site: Site
let server: RunningServer
const visitors: Visitor[] = []

beforeAll(async () => {
  browser = await launch()
  site = await makeSite({ assets: { '/css/site.css': 6_000, '/img/photo.jpg': 300_000, '/js/app.js': 80_000 } })
  server = await publishAndServe(site)
})

afterAll(async () => {
  for (const v of visitors) await v.context.close().catch(() => {})
  await browser?.close()
  await server?.close()
  await site?.cleanup()
})

describe('visitor reports', () => {
  it('peer bytes received and uploaded reach /swarmcdn/stats, and the two sides agree', async () => {
    const total = Object.values(site.assets).reduce((n, b) => n + b.length, 0)
    const a = await visit(browser, server.url)
    visitors.push(a)
    await waitControlled(a.page)
    await fetchAll(a.page, site)
    await waitForSeed(a.page)
    const b = await visit(browser, server.url)
    visitors.push(b)
    await waitControlled(b.page)
    await waitForPeers(b.page)
    const got = await fetchAll(b.page, site)
    expect(Object.values(got).every((r) => r.source === 'peer')).toBe(true)
    // Reports go out at most every 10 s per visitor (sw/report.ts).
    await expect.poll(() => server.stats().reported.bytesFromPeers, { timeout: 40_000, interval: 500 }).toBe(total)
    await expect.poll(() => server.stats().reported.bytesUploaded, { timeout: 40_000, interval: 500 }).toBeGreaterThanOrEqual(total)
    const r = server.stats().reported
    expect(r.confirmedPeerBytes).toBe(total)
    expect(r.reports).toBeGreaterThanOrEqual(2)
  }, 90_000)
})
