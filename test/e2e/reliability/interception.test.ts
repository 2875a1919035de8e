// Cases 6-7: what the SW must leave alone, and what it does with no leader tab.
// (POST, Authorization, unknown paths and a cross-origin fetch() are in
// fallback.test.ts; the leader closing mid-transfer too; one leader among
// several tabs in lifecycle.test.ts.)
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Response as PwResponse } from 'playwright-core'
import type { RunningServer } from '../../../src/server/index.js'
import { launch, makeSite, pageFetch, publishAndServe, sha256, stats, visit, waitControlled, type Site } from '../harness.js'

let browser: Browser
let site: Site
let server: RunningServer
const ASSETS = { '/css/site.css': 8_000, '/js/app.js': 40_000, '/img/a.png': 60_000, '/img/b.png': 90_000, '/img/c.png': 120_000, '/media/v.mp4': 700_000 }

beforeAll(async () => {
  browser = await launch()
  site = await makeSite({ assets: ASSETS, seed: 61 })
  server = await publishAndServe(site)
})
afterAll(async () => {
  await browser?.close()
  await server?.close()
  await site?.cleanup()
})

describe('not intercepted', () => {
  it('a cross-origin <img>, HEAD, and a navigation to an asset path', async () => {
    const v = await visit(browser, server.url)
    // A navigation to a non-HTML document makes Chromium ask for /favicon.ico (404 here).
    v.page.on('console', (m) => { if (m.location().url.endsWith('/favicon.ico')) v.errors.splice(v.errors.indexOf(m.text()), 1) })
    await waitControlled(v.page)
    const seen: PwResponse[] = []
    v.page.on('response', (r) => seen.push(r))
    // The same server under another host name is another origin.
    const cross = new URL('/img/a.png', server.url.replace('127.0.0.1', 'localhost')).href
    const loaded = await v.page.evaluate((src) => new Promise<boolean>((resolve) => {
      const img = new Image()
      img.onload = () => resolve(true)
      img.onerror = () => resolve(false) // random bytes are no image; the request is what matters
      img.src = src
    }), cross)
    expect(typeof loaded).toBe('boolean')
    const head = await v.page.evaluate(async () => {
      const r = await fetch('/img/b.png', { method: 'HEAD' })
      return { status: r.status, source: r.headers.get('x-swarmcdn-source'), length: r.headers.get('content-length') }
    })
    expect(head).toEqual({ status: 200, source: null, length: String(ASSETS['/img/b.png']) })
    const nav = await v.page.goto(new URL('/img/c.png', server.url).href)
    expect(nav?.fromServiceWorker()).toBe(false)
    expect(nav?.headers()['x-swarmcdn-source']).toBeUndefined()
    expect(sha256(await nav!.body())).toBe(sha256(site.assets['/img/c.png']!))
    const crossSeen = seen.filter((r) => r.url() === cross)
    expect(crossSeen.length).toBeGreaterThan(0)
    for (const r of crossSeen) {
      expect(r.fromServiceWorker()).toBe(false)
      expect(r.headers()['x-swarmcdn-source']).toBeUndefined()
    }
    for (const r of seen.filter((x) => x.url().endsWith('/img/b.png'))) expect(r.fromServiceWorker()).toBe(false)
    // The same GET through fetch() is ours: the checks above can fail.
    await v.page.goto(server.url)
    await waitControlled(v.page)
    expect((await pageFetch(v.page, '/img/a.png')).source).toBe('origin')
    expect(v.errors).toEqual([])
    await v.context.close()
  })
})

describe('no leader tab', () => {
  it('engine blocked from loading: every asset from the origin, exact, adding < 1 s each', async () => {
    const context = await browser.newContext()
    await context.route('**/swarmcdn-engine.js', (route) => route.fulfill({ status: 404, body: 'blocked by test' }))
    const page = await context.newPage()
    const errors: string[] = []
    page.on('pageerror', (e) => errors.push(e.message))
    page.on('console', (m) => { if (m.type() === 'error' && !/swarmcdn-engine\.js|404/.test(m.text())) errors.push(m.text()) })
    await page.goto(server.url)
    await waitControlled(page)
    await page.waitForTimeout(1500) // the loader tried (and failed) to start the engine
    const s0 = await stats(page)
    expect(s0.leader).toBe(false)
    expect(s0.engine).toBeNull()
    // Baseline: the same site in a context where no service worker runs.
    const plain = await browser.newContext({ serviceWorkers: 'block' })
    const plainPage = await plain.newPage()
    await plainPage.goto(server.url)
    const timed = async (p: typeof page, path: string): Promise<{ ms: number, source: string | null, sha: string }> => p.evaluate(async (path) => {
      const t = performance.now()
      const r = await fetch(path, { cache: 'no-store' })
      const buf = await r.arrayBuffer()
      const ms = performance.now() - t
      const d = new Uint8Array(await crypto.subtle.digest('SHA-256', buf))
      return { ms, source: r.headers.get('x-swarmcdn-source'), sha: Array.from(d, (b) => b.toString(16).padStart(2, '0')).join('') }
    }, path)
    const added: number[] = []
    for (const path of Object.keys(ASSETS)) {
      const direct = await timed(plainPage, path)
      const viaSw = await timed(page, path)
      expect(direct.source).toBeNull()
      expect(viaSw.source, path).toBe('origin')
      expect(viaSw.sha, path).toBe(sha256(site.assets[path]!))
      added.push(viaSw.ms - direct.ms)
    }
    await plain.close()
    added.sort((a, b) => a - b)
    console.info(`no leader: origin fallback adds median ${added[added.length >> 1]!.toFixed(0)} ms, max ${added[added.length - 1]!.toFixed(0)} ms per asset`)
    expect(added[added.length - 1]).toBeLessThan(1000)
    const s = await stats(page)
    expect(s.bytesFromPeers).toBe(0)
    expect(Object.values(s.assets).every((a: any) => a.source === 'origin')).toBe(true)
    expect(errors).toEqual([])
    await context.close()
  })
})
