// The demo site and its live dashboard, end to end: the generated shop is
// published and served for real, the dashboard is open in one browser while
// simulated visitors (fresh browser contexts) browse the shop, and what the
// dashboard shows is checked against the origin's own stats.
import { existsSync } from 'node:fs'
import { copyFile, cp, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { publish } from '../../src/cli/publish.js'
import { startServer, type RunningServer } from '../../src/server/index.js'
import { browseShop, launch, type ShopVisit } from '../../scripts/demo-browser.mjs'
import { generateDemo } from '../../scripts/generate-demo.mjs'

const ROOT = resolve(import.meta.dirname, '../..')
const DEMO = join(ROOT, 'demo-site')
const SCREENSHOT = join(ROOT, 'test-results/dashboard.png')
/** The README's picture: written when missing, or refreshed with SWARMCDN_UPDATE_DOCS=1. */
const DOCS_SCREENSHOT = join(ROOT, 'docs/dashboard.png')
/** Files `publish` writes: the temp copy gets its own. */
const PUBLISHED = new Set(['swarmcdn.json', 'swarmcdn', 'swarmcdn.js', 'swarmcdn-sw.js', 'swarmcdn-engine.js'])

let dir: string
let server: RunningServer
let browser: Browser
let dashCtx: BrowserContext
let dash: Page
const visits: ShopVisit[] = []

/** A figure the dashboard shows, as the raw number it keeps in data-value. */
async function shown (id: string): Promise<number> {
  const v = await dash.getAttribute(`#${id}`, 'data-value')
  return v === null || v === '' ? NaN : Number(v)
}

async function ticks (): Promise<number> {
  return Number(await dash.getAttribute('body', 'data-ticks') ?? 0)
}

/** Resolves after the dashboard has finished at least one more poll. */
async function nextPoll (): Promise<void> {
  const t = await ticks()
  await dash.waitForFunction((t) => Number(document.body.dataset.ticks ?? 0) >= t + 1, t, { timeout: 5000 })
}

beforeAll(async () => {
  if (!existsSync(join(DEMO, 'dashboard.js'))) throw new Error('demo-site/dashboard.js is missing: run `npm run build` first')
  // Idempotent: fast when the assets are already there (first run on a fresh machine: ~30 s).
  await generateDemo({ log: () => {} })
  dir = await mkdtemp(join(tmpdir(), 'swarmcdn-demo-'))
  await cp(DEMO, dir, { recursive: true, filter: (src) => !PUBLISHED.has(src.slice(DEMO.length + 1).split(/[\\/]/)[0]!) })
  await publish({ dir, onWarning: () => {} })
  server = await startServer({ dir, port: 0, quiet: true, resetStats: true })
  browser = await launch()
}, 120_000)

afterAll(async () => {
  for (const v of visits) await v.context.close().catch(() => {})
  await dashCtx?.close().catch(() => {})
  await browser?.close()
  await server?.close()
  if (dir) await rm(dir, { recursive: true, force: true })
})

describe('demo dashboard', () => {
  it('shows live swarm and visitor figures that agree with /swarmcdn/stats', async () => {
    dashCtx = await browser.newContext({ viewport: { width: 1440, height: 1000 } })
    dash = await dashCtx.newPage()
    const dashErrors: string[] = []
    // The dashboard's own script must not throw. (The P2P engine running in
    // the same tab reports its own errors; they are the engine's tests' business.)
    dash.on('pageerror', (e) => { if (e.stack?.includes('/dashboard.js') ?? true) dashErrors.push(e.message) })
    await dash.goto(new URL('/dashboard.html', server.url).href)
    await dash.waitForFunction(() => Number(document.body.dataset.ticks ?? 0) >= 1, undefined, { timeout: 10_000 })
    const originAtStart = await shown('kpi-origin-bytes')
    const pointsAtStart = Number(await dash.getAttribute('#chart-swarm >> xpath=..', 'data-points'))

    // Visitor 1 finds no other shop visitor holding the photos; it also takes
    // the downloads (whole), which makes the film seedable. Visitor 2 then
    // streams the film, by Range, from visitor 1.
    const v1 = await browseShop(browser, server.url, { download: true })
    visits.push(v1)
    const v2 = await browseShop(browser, server.url)
    visits.push(v2)

    for (const v of [v1, v2]) {
      expect(v.video.error).toBeNull()
      // Seeking worked: playback jumped to the requested second.
      expect(v.video.after).toBeGreaterThan(14)
      // Every film response came from the service worker, labelled, and partial.
      expect(v.film.length).toBeGreaterThan(0)
      for (const r of v.film) {
        expect(r.fromServiceWorker).toBe(true)
        // `mixed`: a window peers started and the origin finished (README, X-SwarmCDN-Source).
        expect(['peer', 'origin', 'cache', 'mixed']).toContain(r.source)
      }
      expect(v.film.some((r) => r.status === 206 && r.range !== null)).toBe(true)
    }
    expect(v1.film.filter((r) => r.status === 206).some((r) => r.source === 'peer')).toBe(false)
    // Visitor 2's second page view: the film from peers, directly or from what its engine fetched from them ahead (cache).
    expect(v2.film.some((r) => r.status === 206 && r.source !== 'origin')).toBe(true)
    for (const v of [v1, v2]) expect(v.controlled.second).toBe(true)
    expect(v2.stats.bytesFromPeers + v2.stats.bytesFromCache).toBeGreaterThan(1_000_000)

    // The dashboard's own browser browses the shop in a second tab: its own
    // figures (this browser's SW counters) fill in beside the swarm's. The
    // shop's assets reach it from peers, either on request or ahead of time
    // (the dashboard links to the shop, so its engine prefetches them).
    const shopTab = await dashCtx.newPage()
    await shopTab.goto(server.url)
    await shopTab.waitForSelector('#gallery-grid[data-state="loaded"]', { timeout: 30_000 })
    await dash.waitForFunction(() => {
      const v = (id: string): number => Number(document.getElementById(id)?.dataset.value ?? 0)
      return v('own-peers') + v('own-prefetched') > 1_000_000 && v('own-peers') + v('own-cache') > 1_000_000
    }, undefined, { timeout: 15_000 })

    // Live: new points, more origin bytes, peers online, offload above zero.
    await nextPoll()
    expect(Number(await dash.getAttribute('#chart-swarm >> xpath=..', 'data-points'))).toBeGreaterThan(pointsAtStart)
    expect(await shown('kpi-origin-bytes')).toBeGreaterThan(originAtStart)
    expect(await shown('kpi-peers')).toBeGreaterThanOrEqual(2)
    // The headline offload is reported peer bytes (cross-checked) against the origin's asset bytes.
    {
      const st = server.stats()
      const m = JSON.parse(await readFile(join(dir, 'swarmcdn.json'), 'utf8')) as { assets: Record<string, unknown> }
      const originAssets = Object.keys(m.assets).reduce((n, p) => n + (st.origin.byPath[p]?.bytes ?? 0), 0)
      const peer = st.reported.confirmedPeerBytes
      await nextPoll()
      if (server.stats().reported.reports === st.reported.reports && server.stats().origin.bytesServed === st.origin.bytesServed) {
        expect(await shown('kpi-saved')).toBe(peer)
        if (peer + originAssets > 0) expect(await shown('kpi-offload')).toBeCloseTo(peer / (peer + originAssets), 9)
      }
    }
    // The history card: points for the last hour, with the origin's asset bytes of this run.
    await dash.waitForFunction(() => Number(document.getElementById('history-summary')?.dataset.originBytes ?? 0) > 0, undefined, { timeout: 40_000 })
    expect(Number(await dash.getAttribute('#chart-history >> xpath=..', 'data-points'))).toBe(60)
    await dash.click('[data-range="week"]')
    await dash.waitForFunction(() => document.getElementById('chart-history')?.parentElement?.dataset.points === '84', undefined, { timeout: 10_000 })
    const rows = await dash.$$eval('#assets-body tr', (trs) => trs.length)
    expect(rows).toBe(Object.keys(JSON.parse(await readFile(join(dir, 'swarmcdn.json'), 'utf8')).assets).length)
    // This browser's last delivery of the big photo: not the origin (from a peer, or from what it prefetched).
    expect(['peer', 'cache']).toContain(await dash.textContent('#assets-body tr[data-path="/img/gallery/aurora-studio.jpg"] .badge'))

    // Agreement with the origin's ground truth: when the counters hold still
    // across one poll, the dashboard shows exactly the endpoint's values.
    let agreed = false
    for (let attempt = 0; attempt < 15 && !agreed; attempt++) {
      const before = server.stats()
      await nextPoll()
      const after = server.stats()
      if (before.origin.bytesServed !== after.origin.bytesServed || before.tracker.peers !== after.tracker.peers) continue
      expect(await shown('kpi-origin-bytes')).toBe(after.origin.bytesServed)
      expect(await shown('kpi-peers')).toBe(after.tracker.peers)
      const ceiling = after.tracker.peers > 1 ? (after.tracker.peers - 1) / after.tracker.peers : 0
      expect(await shown('kpi-ceiling')).toBeCloseTo(ceiling, 9)
      agreed = true
    }
    expect(agreed, 'origin counters never held still for one poll').toBe(true)

    // The swarm-wide figure is the origin's counter against page views × page weight.
    const stats = server.stats()
    const manifest = JSON.parse(await readFile(join(dir, 'swarmcdn.json'), 'utf8')) as { assets: Record<string, { size: number, type: string }>, pages: Record<string, { assets: string[] }> }
    const views = (stats.origin.byPath['/']?.requests ?? 0) + (stats.origin.byPath['/index.html']?.requests ?? 0)
    expect(views).toBe(5) // two page views per visitor, one by the dashboard's shop tab
    const shopWeight = [...new Set(manifest.pages['/']!.assets)]
      .filter((p) => !manifest.assets[p]!.type.startsWith('video/'))
      .reduce((n, p) => n + manifest.assets[p]!.size, 0)
    expect(await shown('kpi-needed')).toBeGreaterThanOrEqual(views * shopWeight)

    await mkdir(join(ROOT, 'test-results'), { recursive: true })
    await dash.screenshot({ path: SCREENSHOT, fullPage: true })
    if (!existsSync(DOCS_SCREENSHOT) || process.env.SWARMCDN_UPDATE_DOCS === '1') {
      await mkdir(join(ROOT, 'docs'), { recursive: true })
      await copyFile(SCREENSHOT, DOCS_SCREENSHOT)
    }
    expect(dashErrors).toEqual([])
  })

  it('the shop works with swarmcdn blocked: photos and film load from the origin', async () => {
    const ctx = await browser.newContext({ serviceWorkers: 'block' })
    try {
      const page = await ctx.newPage()
      const errors: string[] = []
      page.on('pageerror', (e) => errors.push(e.message))
      await page.goto(server.url)
      await page.waitForSelector('#gallery-grid[data-state="loaded"]', { timeout: 15_000 })
      const sizes = await page.$$eval('#gallery-grid img', (imgs) => imgs.map((i) => (i as HTMLImageElement).naturalWidth))
      expect(sizes.length).toBe(6)
      expect(sizes.every((w) => w > 0)).toBe(true)
      expect(await page.evaluate(() => document.fonts.check('16px Inter'))).toBe(true)
      expect(errors).toEqual([])
    } finally {
      await ctx.close()
    }
  })
})
