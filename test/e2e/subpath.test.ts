// Subpath deploys (issue 15): two swarmcdn sites on one origin, published with
// `--base /docs/` and `--base /blog/`, visited by one visitor in both. Each has
// its own SW scope, caches, IndexedDB state (counters, verified index, budget),
// choices, leader lock and swarm; P2P and prefetch work in each, and
// disabling one leaves the other as it was.
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { publish } from '../../src/cli/publish.js'
import type { Manifest } from '../../src/shared/manifest.js'
import { startServer, type RunningServer } from '../../src/server/index.js'
import { bytes, fetchAll, launch, pageFetch, sha256, stats, waitControlled, waitForPeers, waitForSeed, type Site } from './harness.js'
import { idbState, stopWorkers } from './subpath-helpers.js'

const BASES = ['docs', 'blog'] as const
type Base = typeof BASES[number]
/** The docs site sets its own storage budget; the blog keeps the default. */
const DOCS_BUDGET = 2_000_000
/** Counters a restarted worker must have kept. */
const COUNTERS = ['bytesFromPeers', 'bytesFromOrigin', 'bytesFromCache', 'bytesPrefetched'] as const

let browser: Browser
let root: string
let server: RunningServer
const sites = {} as Record<Base, Site & { infoHash: string, manifest: Manifest }>
const contexts: BrowserContext[] = []
/** The first visitor: a tab on each site, seeding both after the first test. */
let first: Record<Base, Page>

async function writeSubsite (base: Base, seed: number, photoSize: number): Promise<void> {
  const dir = join(root, base)
  const other = base === 'docs' ? 'blog' : 'docs'
  const assets: Record<string, Buffer> = {}
  for (const [name, size] of [['css/site.css', 8_000], ['img/photo.jpg', photoSize], ['js/app.js', 50_000], ['img/guide.png', 40_000]] as const) {
    const data = bytes(size, seed++)
    assets[`/${base}/${name}`] = data
    await mkdir(dirname(join(dir, name)), { recursive: true })
    await writeFile(join(dir, name), data)
  }
  const budget = base === 'docs' ? ` data-storage-budget="${DOCS_BUDGET}"` : ''
  const head = `<meta charset="utf-8"><link rel="icon" href="data:,"><script src="/${base}/swarmcdn.js" defer data-ice-servers="[]"${budget}></script>`
  await writeFile(join(dir, 'index.html'), `<!doctype html><html><head>${head}</head><body>${base}</body></html>`)
  // Links as a site under a base writes them: root-relative under its base, and one to the other site.
  await writeFile(join(dir, 'start.html'), `<!doctype html><html><head>${head}</head><body><a href="/${base}/guide.html">guide</a> <a href="/${other}/guide.html">the ${other}</a></body></html>`)
  await writeFile(join(dir, 'guide.html'), `<!doctype html><html><head>${head}</head><body><img src="/${base}/img/guide.png"></body></html>`)
  const r = await publish({ dir, base: `/${base}/`, onWarning: () => {} })
  sites[base] = { dir, assets, infoHash: r.infoHash, manifest: r.manifest, cleanup: async () => {} }
}

beforeAll(async () => {
  browser = await launch()
  root = await mkdtemp(join(tmpdir(), 'swarmcdn-subpath-'))
  // Different sizes, so one site's counters can never pass for the other's.
  await writeSubsite('docs', 10, 300_000)
  await writeSubsite('blog', 20, 200_000)
  server = await startServer({ dir: root, port: 0, quiet: true, resetStats: true, allow: [sites.docs.infoHash, sites.blog.infoHash] })
})
afterAll(async () => {
  for (const c of contexts) await c.close().catch(() => {})
  await browser?.close()
  await server?.close()
  if (root) await rm(root, { recursive: true, force: true })
})

/** A visitor with one tab on each site. */
async function visitor (): Promise<Record<Base, Page>> {
  const context = await browser.newContext()
  contexts.push(context)
  const pages = {} as Record<Base, Page>
  for (const base of BASES) {
    const page = await context.newPage()
    page.on('pageerror', (e) => { throw e })
    await page.goto(new URL(`/${base}/`, server.url).href)
    await waitControlled(page)
    pages[base] = page
  }
  return pages
}

const pick = (s: Record<string, unknown>): Record<string, unknown> => Object.fromEntries(COUNTERS.map((k) => [k, s[k]]))
const integrities = (base: Base): Set<string> => new Set(Object.values(sites[base].manifest.assets).map((a) => a.integrity))

describe('two swarmcdn sites on one origin under /docs/ and /blog/', () => {
  it('manifest paths and the page graph are absolute under the base; links outside it are ignored', async () => {
    const m = JSON.parse(await readFile(join(sites.docs.dir, 'swarmcdn.json'), 'utf8')) as Manifest
    expect(Object.keys(m.assets).sort()).toEqual(Object.keys(sites.docs.assets).sort())
    for (const base of BASES) {
      const pages = sites[base].manifest.pages ?? {}
      expect(pages[`/${base}/start.html`]).toEqual({ assets: [], links: [`/${base}/guide.html`] })
      expect(pages[`/${base}/guide.html`]).toEqual({ assets: [`/${base}/img/guide.png`], links: [] })
    }
  })

  it('each has its own scope, caches, leader and swarm; P2P works in each', async () => {
    const a = first = await visitor()
    for (const base of BASES) {
      const page = a[base]
      expect(await page.evaluate(() => navigator.serviceWorker.getRegistration().then((r) => new URL(r!.scope).pathname))).toBe(`/${base}/`)
      const got = await fetchAll(page, sites[base])
      for (const [p, r] of Object.entries(got)) expect(r.sha256, p).toBe(sha256(sites[base].assets[p]!))
      // Both tabs lead: one leader per scope.
      await waitForSeed(page)
      expect((await stats(page)).engine.infoHash).toBe(sites[base].infoHash)
    }
    const cacheNames = await a.docs.evaluate(() => caches.keys())
    expect(cacheNames).toEqual(expect.arrayContaining(['swarmcdn-assets-v1/docs/', 'swarmcdn-assets-v1/blog/']))

    const b = await visitor()
    for (const base of BASES) {
      const page = b[base]
      await waitForPeers(page)
      const got = await fetchAll(page, sites[base])
      for (const [p, r] of Object.entries(got)) {
        expect(r.sha256, p).toBe(sha256(sites[base].assets[p]!))
        expect(r.source, `${p}: ${JSON.stringify((await stats(page)).assets[p])}`).toBe('peer')
      }
      const s = await stats(page)
      expect(s.infoHash).toBe(sites[base].infoHash)
      expect(s.engine.infoHash).toBe(sites[base].infoHash)
    }
    // No cross-talk: each site's verified cache holds only its own assets.
    const held = await b.docs.evaluate(async () => {
      const out: Record<string, number> = {}
      for (const name of ['swarmcdn-assets-v1/docs/', 'swarmcdn-assets-v1/blog/']) out[name] = (await (await caches.open(name)).keys()).length
      return out
    })
    expect(held['swarmcdn-assets-v1/docs/']).toBeGreaterThanOrEqual(4)
    expect(held['swarmcdn-assets-v1/blog/']).toBeGreaterThanOrEqual(4)
    // The docs page's requests for blog assets are the blog site's business: not its SW's.
    const r = await b.docs.evaluate(async () => (await fetch('/blog/js/app.js')).headers.get('x-swarmcdn-source'))
    expect(r).toBeNull()
    // Both sites' visitors report their peer bytes to the origin (each to <base>swarmcdn/report).
    const peerBytes = BASES.reduce((n, base) => n + Object.values(sites[base].assets).reduce((m, d) => m + d.length, 0), 0)
    await expect.poll(() => server.stats().reported.bytesFromPeers, { timeout: 40_000, interval: 500 }).toBeGreaterThanOrEqual(peerBytes)
  })

  it('each keeps its own counters, verified index and budget in IndexedDB, across a worker restart', async () => {
    const a = first
    const before = { docs: pick(await stats(a.docs)), blog: pick(await stats(a.blog)) }
    expect(before.docs.bytesFromOrigin).not.toBe(before.blog.bytesFromOrigin)
    // The workers save once the pages are quiet: wait until both sites' saved counters are their live ones.
    await expect.poll(async () => {
      const db = await idbState(a.docs)
      return BASES.map((base) => pick((db[`swarmcdn:sw-stats/${base}/`] as { counters?: Record<string, unknown> } | undefined)?.counters ?? {}))
    }, { timeout: 15_000 }).toEqual([before.docs, before.blog])
    await expect.poll(async () => {
      const db = await idbState(a.docs)
      return BASES.map((base) => Object.keys(db[`swarmcdn:lru/${base}/`] ?? {}).length > 0)
    }, { timeout: 15_000 }).toEqual([true, true])

    const db = await idbState(a.docs)
    // Every key is one site's; nothing under the root scope's names.
    for (const k of Object.keys(db)) expect(k, k).toMatch(/\/(docs|blog)\/$/)
    for (const base of BASES) {
      const other = base === 'docs' ? 'blog' : 'docs'
      const lru = Object.keys(db[`swarmcdn:lru/${base}/`] as Record<string, unknown>).map((k) => k.split('?')[0]!)
      for (const k of lru) {
        expect(integrities(base).has(k), k).toBe(true)
        expect(integrities(other).has(k), k).toBe(false)
      }
    }
    expect(db['swarmcdn:storage-budget/docs/']).toBe(DOCS_BUDGET)
    expect('swarmcdn:storage-budget/blog/' in db).toBe(true)
    expect(db['swarmcdn:storage-budget/blog/']).toBeNull()

    // A restarted worker reads its own site's counters back, not the other's.
    await stopWorkers(a.docs, BASES.map((b) => new URL(`/${b}/`, server.url).href))
    expect(pick(await stats(a.docs))).toEqual(before.docs)
    expect(pick(await stats(a.blog))).toEqual(before.blog)
    // Both still serve exact bytes, from their own verified caches.
    for (const base of BASES) {
      const r = await pageFetch(a[base], `/${base}/img/photo.jpg`)
      expect(r.sha256).toBe(sha256(sites[base].assets[`/${base}/img/photo.jpg`]!))
      expect(r.source).toBe('cache')
    }
  })

  it('prefetch plans a page linked under the base (/docs/guide.html) and fetches its assets from peers', async () => {
    const context = await browser.newContext()
    contexts.push(context)
    const page = await context.newPage()
    page.on('pageerror', (e) => { throw e })
    await page.goto(new URL('/docs/start.html', server.url).href)
    await waitControlled(page)
    await waitForPeers(page)
    const guide = sites.docs.manifest.assets['/docs/img/guide.png']!
    // The guide's image is the first asset planned; it arrives from peers before this page ever asks for it.
    // (expect.poll, not waitForFunction: Playwright takes an async predicate's promise as truthy at once.)
    const docsCache = async (): Promise<string[]> => page.evaluate(async () => (await (await caches.open('swarmcdn-assets-v1/docs/')).keys()).map((k) => k.url))
    await expect.poll(async () => (await docsCache()).some((u) => u.endsWith(`/${encodeURIComponent(guide.integrity)}`)), { timeout: 30_000 }).toBe(true)
    // Counted once the keeper has stored it.
    await expect.poll(async () => (await stats(page)).bytesPrefetched, { timeout: 10_000 }).toBeGreaterThanOrEqual(guide.size)
    const s = await stats(page)
    expect(s.engine.prefetch.planned).toBeGreaterThanOrEqual(1)
    expect(s.bytesFromOrigin).toBe(0)
    const r = await pageFetch(page, '/docs/img/guide.png')
    expect(r.sha256).toBe(sha256(sites.docs.assets['/docs/img/guide.png']!))
    expect(r.source).toBe('cache')
  })

  it('disabling one site drops its caches, state and worker and leaves the other\'s alone', async () => {
    const a = first
    const docsBefore = pick(await stats(a.docs))
    await a.blog.evaluate(() => window.swarmcdn!.disable())
    await expect.poll(async () => {
      const names = await a.docs.evaluate(() => caches.keys())
      const keys = Object.keys(await idbState(a.docs))
      return { blogCaches: names.filter((n) => n.endsWith('/blog/')), blogKeys: keys.filter((k) => k.endsWith('/blog/')) }
    }, { timeout: 15_000 }).toEqual({ blogCaches: [], blogKeys: [] })

    // The docs site is untouched: caches, saved state, choices, and its engine still running.
    expect(await a.docs.evaluate(() => caches.keys())).toEqual(expect.arrayContaining(['swarmcdn-assets-v1/docs/', 'swarmcdn-meta-v1/docs/']))
    const db = await idbState(a.docs)
    for (const k of ['swarmcdn:sw-stats/docs/', 'swarmcdn:lru/docs/', 'swarmcdn:storage-budget/docs/', 'swarmcdn:current/docs/']) expect(k in db, k).toBe(true)
    const choices = await a.docs.evaluate(() => ({ ...localStorage }))
    expect(choices).toMatchObject({ 'swarmcdn:disabled/blog/': '1', 'swarmcdn:optout/blog/': '1' })
    for (const k of Object.keys(choices)) expect(k, k).toMatch(/\/blog\/$/)
    expect((await stats(a.docs)).p2p).toBe(true)

    // After a reload the docs site still runs, from its own cache, with its counters; the blog stays off.
    await a.docs.reload()
    await waitControlled(a.docs)
    await waitForSeed(a.docs)
    expect(pick(await stats(a.docs))).toEqual(docsBefore)
    const got = await fetchAll(a.docs, sites.docs)
    for (const [p, r] of Object.entries(got)) {
      expect(r.sha256, p).toBe(sha256(sites.docs.assets[p]!))
      expect(r.source, p).toBe('cache')
    }
    await a.blog.reload()
    await a.blog.waitForFunction(() => window.swarmcdn !== undefined)
    expect(await a.blog.evaluate(async () => ({ controlled: Boolean(navigator.serviceWorker.controller), ready: await window.swarmcdn!.ready }))).toEqual({ controlled: false, ready: false })
  })
})
