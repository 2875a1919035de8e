// A Workbox site keeps its own service worker and adds swarmcdn to it (issue
// 15): the site's worker, built here with rollup from workbox-routing,
// workbox-strategies and workbox-core (npm), imports swarmcdn-sw.js as an ES
// module and routes manifest assets to swarmcdn with registerRoute. The
// site's own routes keep working, and a second visitor gets the assets from
// the first.
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import nodeResolve from '@rollup/plugin-node-resolve'
import { rollup } from 'rollup'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import type { RunningServer } from '../../src/server/index.js'
import { fetchAll, launch, makeSite, pageFetch, publishAndServe, sha256, SCRIPT_TAG, stats, waitControlled, waitForPeers, waitForSeed, type Site, type Visitor } from './harness.js'

let browser: Browser
let site: Site
let server: RunningServer
const visitors: Visitor[] = []

const SITE_SW = `import '/swarmcdn-sw.js'
import { clientsClaim } from 'workbox-core'
import { registerRoute } from 'workbox-routing'
import { NetworkFirst } from 'workbox-strategies'
self.skipWaiting()
clientsClaim()
// swarmcdn answers the manifest's assets through Workbox's router.
const swarmcdn = self.swarmcdn.workbox()
registerRoute(swarmcdn.match, swarmcdn.handler)
// The site's own routes.
registerRoute(({ url }) => url.pathname.startsWith('/api/'), new NetworkFirst({ cacheName: 'site-api' }))
registerRoute(({ url }) => url.pathname === '/hello', () => new Response('hello from the site worker', { headers: { 'X-Site-Route': '1' } }))
`

/** The site's worker as a Workbox site builds it: rollup, node-resolve, NODE_ENV replaced. */
async function buildSiteWorker (dir: string): Promise<void> {
  const bundle = await rollup({
    input: 'site-sw',
    external: ['/swarmcdn-sw.js'],
    plugins: [
      { name: 'entry', resolveId: (id) => (id === 'site-sw' ? id : null), load: (id) => (id === 'site-sw' ? SITE_SW : null) },
      nodeResolve({ browser: true }),
      { name: 'node-env', transform: (code) => ({ code: code.replace(/process\.env\.NODE_ENV/g, '"production"'), map: null }) }
    ]
  })
  await bundle.write({ file: join(dir, 'site-sw.js'), format: 'es' })
  await bundle.close()
}

beforeAll(async () => {
  browser = await launch()
  site = await makeSite({
    pages: {
      '/index.html': `<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="data:,">${SCRIPT_TAG}</head><body>home</body></html>`,
      '/install.html': '<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="data:,"></head><body>' +
        "<script>navigator.serviceWorker.register('/site-sw.js', { scope: '/', type: 'module' })</script></body></html>"
    }
  })
  server = await publishAndServe(site)
  // Written after publish: the site's worker and its API are not shared assets.
  await buildSiteWorker(site.dir)
  await mkdir(join(site.dir, 'api'), { recursive: true })
  await writeFile(join(site.dir, 'api', 'data.json'), JSON.stringify({ ok: 'site api' }))
})
afterAll(async () => {
  for (const v of visitors) await v.context.close().catch(() => {})
  await browser?.close()
  await server?.close()
  await site?.cleanup()
})

/** A visitor whose first page installs the site's worker, then opens the swarmcdn page. */
async function visitor (): Promise<Visitor> {
  const context = await browser.newContext()
  const page = await context.newPage()
  const errors: string[] = []
  page.on('pageerror', (e) => errors.push(e.message))
  page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') errors.push(m.text()) })
  const v = { context, page, errors }
  visitors.push(v)
  await page.goto(new URL('/install.html', server.url).href)
  await waitControlled(page)
  await page.goto(server.url)
  await waitControlled(page)
  return v
}

async function siteRoutes (page: Page): Promise<void> {
  const api = await page.evaluate(async () => (await fetch('/api/data.json')).json())
  expect(api).toEqual({ ok: 'site api' })
  const hello = await pageFetch(page, '/hello')
  expect(hello.headers['x-site-route']).toBe('1')
  expect(hello.source).toBeNull()
  // NetworkFirst kept its copy in the site's own cache.
  expect(await page.evaluate(async () => (await caches.has('site-api')))).toBe(true)
}

describe('a Workbox site worker with swarmcdn imported', () => {
  it("keeps the site's routes and gets the assets from peers", async () => {
    const a = await visitor()
    expect(await a.page.evaluate(() => new URL(navigator.serviceWorker.controller!.scriptURL).pathname)).toBe('/site-sw.js')
    expect(await a.page.evaluate(() => window.swarmcdn!.ready)).toBe(true)
    const fromA = await fetchAll(a.page, site)
    for (const [p, r] of Object.entries(fromA)) {
      expect(r.sha256, p).toBe(sha256(site.assets[p]!))
      expect(r.source, p).toBe('origin')
    }
    await waitForSeed(a.page)
    await siteRoutes(a.page)

    const b = await visitor()
    await waitForPeers(b.page)
    const fromB = await fetchAll(b.page, site)
    for (const [p, r] of Object.entries(fromB)) {
      expect(r.sha256, p).toBe(sha256(site.assets[p]!))
      expect(r.source, p).toBe('peer')
    }
    const total = Object.values(site.assets).reduce((n, x) => n + x.length, 0)
    expect((await stats(b.page)).bytesFromPeers).toBe(total)
    await siteRoutes(b.page)
    for (const v of [a, b]) expect(v.errors).toEqual([])
  })
})
