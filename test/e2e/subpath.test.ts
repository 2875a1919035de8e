// Subpath deploys (issue 15): two swarmcdn sites on one origin, published with
// `--base /docs/` and `--base /blog/`. Each has its own SW scope, caches,
// leader lock and swarm; P2P works in each and neither sees the other.
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { publish } from '../../src/cli/publish.js'
import { startServer, type RunningServer } from '../../src/server/index.js'
import { bytes, fetchAll, launch, sha256, stats, waitControlled, waitForPeers, waitForSeed, type Site } from './harness.js'

let browser: Browser
let root: string
let server: RunningServer
const sites: Record<string, Site & { infoHash: string }> = {}
const contexts: BrowserContext[] = []

async function writeSubsite (base: string, seed: number): Promise<void> {
  const dir = join(root, base)
  const assets: Record<string, Buffer> = {}
  for (const [name, size] of [['css/site.css', 8_000], ['img/photo.jpg', 300_000], ['js/app.js', 50_000]] as const) {
    const data = bytes(size, seed++)
    assets[`/${base}/${name}`] = data
    await mkdir(dirname(join(dir, name)), { recursive: true })
    await writeFile(join(dir, name), data)
  }
  await writeFile(join(dir, 'index.html'), `<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="data:,"><script src="/${base}/swarmcdn.js" defer data-ice-servers="[]"></script></head><body>${base}</body></html>`)
  const r = await publish({ dir, base: `/${base}/`, onWarning: () => {} })
  sites[base] = { dir, assets, infoHash: r.infoHash, cleanup: async () => {} }
}

beforeAll(async () => {
  browser = await launch()
  root = await mkdtemp(join(tmpdir(), 'swarmcdn-subpath-'))
  await writeSubsite('docs', 10)
  await writeSubsite('blog', 20)
  server = await startServer({ dir: root, port: 0, quiet: true, resetStats: true, allow: [sites.docs!.infoHash, sites.blog!.infoHash] })
})
afterAll(async () => {
  for (const c of contexts) await c.close().catch(() => {})
  await browser?.close()
  await server?.close()
  if (root) await rm(root, { recursive: true, force: true })
})

/** A visitor with one tab on each site. */
async function visitor (): Promise<Record<string, Page>> {
  const context = await browser.newContext()
  contexts.push(context)
  const pages: Record<string, Page> = {}
  for (const base of ['docs', 'blog']) {
    const page = await context.newPage()
    page.on('pageerror', (e) => { throw e })
    await page.goto(new URL(`/${base}/`, server.url).href)
    await waitControlled(page)
    pages[base] = page
  }
  return pages
}

describe('two swarmcdn sites on one origin under /docs/ and /blog/', () => {
  it('manifest paths are absolute under the base', async () => {
    const m = JSON.parse(await readFile(join(sites.docs!.dir, 'swarmcdn.json'), 'utf8')) as { assets: Record<string, unknown> }
    expect(Object.keys(m.assets).sort()).toEqual(Object.keys(sites.docs!.assets).sort())
  })

  it('each has its own scope, caches, leader and swarm; P2P works in each', async () => {
    const a = await visitor()
    for (const base of ['docs', 'blog']) {
      const page = a[base]!
      expect(await page.evaluate(() => navigator.serviceWorker.getRegistration().then((r) => new URL(r!.scope).pathname))).toBe(`/${base}/`)
      const got = await fetchAll(page, sites[base]!)
      for (const [p, r] of Object.entries(got)) expect(r.sha256, p).toBe(sha256(sites[base]!.assets[p]!))
      // Both tabs lead: one leader per scope.
      await waitForSeed(page)
      expect((await stats(page)).engine.infoHash).toBe(sites[base]!.infoHash)
    }
    const cacheNames = await a.docs!.evaluate(() => caches.keys())
    expect(cacheNames).toEqual(expect.arrayContaining(['swarmcdn-assets-v1/docs/', 'swarmcdn-assets-v1/blog/']))

    const b = await visitor()
    for (const base of ['docs', 'blog']) {
      const page = b[base]!
      await waitForPeers(page)
      const got = await fetchAll(page, sites[base]!)
      for (const [p, r] of Object.entries(got)) {
        expect(r.sha256, p).toBe(sha256(sites[base]!.assets[p]!))
        expect(r.source, p).toBe('peer')
      }
      const s = await stats(page)
      expect(s.infoHash).toBe(sites[base]!.infoHash)
      expect(s.engine.infoHash).toBe(sites[base]!.infoHash)
    }
    // No cross-talk: each site's verified cache holds only its own assets.
    const held = await b.docs!.evaluate(async () => {
      const out: Record<string, number> = {}
      for (const name of ['swarmcdn-assets-v1/docs/', 'swarmcdn-assets-v1/blog/']) out[name] = (await (await caches.open(name)).keys()).length
      return out
    })
    expect(held['swarmcdn-assets-v1/docs/']).toBeGreaterThanOrEqual(3)
    expect(held['swarmcdn-assets-v1/blog/']).toBeGreaterThanOrEqual(3)
    // The docs page's requests for blog assets are the blog site's business: not its SW's.
    const r = await b.docs!.evaluate(async () => (await fetch('/blog/js/app.js')).headers.get('x-swarmcdn-source'))
    expect(r).toBeNull()
  })
})
