// A site under a strict Content-Security-Policy (issue 18): the policy the
// README gives, sent as a response header on every page, lets swarmcdn work
// with P2P, and the browser reports no violation.
import { cp, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { publish } from '../../src/cli/publish.js'
import { startServer, type RunningServer } from '../../src/server/index.js'
import { generateDemo } from '../../scripts/generate-demo.mjs'
import { startFront, type Front } from './front.js'
import { fetchAll, launch, makeSite, pageFetch, publishAndServe, SCRIPT_TAG, sha256, stats, waitControlled, waitForPeers, waitForSeed, type Site } from './harness.js'

let browser: Browser
let site: Site
let server: RunningServer
let front: Front
let csp: string

beforeAll(async () => {
  browser = await launch()
  site = await makeSite({
    pages: {
      '/index.html': `<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="/img/small.png"><link rel="stylesheet" href="/css/site.css">${SCRIPT_TAG}</head>` +
        '<body><img src="/img/small.png" alt=""></body></html>'
    }
  })
  server = await publishAndServe(site)
  front = await startFront(server)
  const host = new URL(front.url).host
  // The README's policy: nothing inline, nothing from elsewhere, no eval. The
  // tracker is this site's /announce; its ws: URL is listed as well as 'self'
  // for browsers whose 'self' does not cover WebSockets (CSP Level 2).
  csp = [
    "default-src 'none'",
    "script-src 'self'",
    "worker-src 'self'",
    `connect-src 'self' ws://${host}`,
    "img-src 'self'",
    "style-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'"
  ].join('; ')
  front.headers = (path): Record<string, string> => path === '/' || path.endsWith('.html') ? { 'Content-Security-Policy': csp } : {}
})
afterAll(async () => {
  await browser?.close()
  await front?.close()
  await server?.close()
  await site?.cleanup()
})

interface CspVisitor { context: BrowserContext, page: Page, problems: string[] }

async function visitUnderCsp (on: Front = front, path = '/', policy = csp): Promise<CspVisitor> {
  const context = await browser.newContext()
  // Registered before any page script runs, so no violation goes unseen.
  await context.addInitScript(() => {
    const seen: string[] = []
    ;(window as unknown as { violations: string[] }).violations = seen
    addEventListener('securitypolicyviolation', (e) => seen.push(`${e.violatedDirective} ${e.blockedURI}`))
  })
  const page = await context.newPage()
  const problems: string[] = []
  page.on('console', (m) => { if (m.type() === 'error') problems.push(m.text()) })
  page.on('pageerror', (e) => problems.push(e.message))
  const res = await page.goto(new URL(path, on.url).href)
  expect(res?.headers()['content-security-policy']).toBe(policy)
  return { context, page, problems }
}

const violations = (p: Page): Promise<string[]> => p.evaluate(() => (window as unknown as { violations: string[] }).violations)

describe('strict Content-Security-Policy', () => {
  it('the README policy: service worker, engine, tracker and P2P work, with no violation', async () => {
    const seeder = await visitUnderCsp()
    await waitControlled(seeder.page)
    await fetchAll(seeder.page, site)
    await waitForSeed(seeder.page)

    const v = await visitUnderCsp()
    await waitControlled(v.page)
    await waitForPeers(v.page)
    const r = await pageFetch(v.page, '/img/photo.jpg')
    expect(r.source).toBe('peer')
    expect(r.sha256).toBe(sha256(site.assets['/img/photo.jpg']!))
    expect((await stats(v.page)).bytesFromPeers).toBeGreaterThan(0)
    for (const x of [seeder, v]) {
      expect(await violations(x.page)).toEqual([])
      expect(x.problems).toEqual([])
    }
    await v.context.close()
    await seeder.context.close()
  })
})

describe('the demo shop and its dashboard under a strict policy', () => {
  const ROOT = resolve(import.meta.dirname, '../..')
  /** Files `publish` writes: the temp copy gets its own. */
  const PUBLISHED = new Set(['swarmcdn.json', 'swarmcdn', 'swarmcdn.js', 'swarmcdn-sw.js', 'swarmcdn-engine.js'])
  let dir: string | undefined
  let demo: RunningServer | undefined
  let demoFront: Front | undefined

  afterAll(async () => {
    await demoFront?.close()
    await demo?.close()
    if (dir) await rm(dir, { recursive: true, force: true })
  })

  it('gallery, film, font and dashboard load; the second visitor gets the spec sheet from the first; no violation', async () => {
    const DEMO = join(ROOT, 'demo-site')
    // Idempotent: fast when the assets are already there.
    await generateDemo({ log: () => {} })
    dir = await mkdtemp(join(tmpdir(), 'swarmcdn-csp-demo-'))
    await cp(DEMO, dir, { recursive: true, filter: (src) => !PUBLISHED.has(src.slice(DEMO.length + 1).split(/[\\/]/)[0]!) })
    await publish({ dir, onWarning: () => {} })
    demo = await startServer({ dir, port: 0, quiet: true, resetStats: true })
    demoFront = await startFront(demo)
    const policy = [
      "default-src 'none'", "script-src 'self'", "worker-src 'self'", `connect-src 'self' ws://${new URL(demoFront.url).host}`,
      "img-src 'self'", "style-src 'self'", "font-src 'self'", "media-src 'self'",
      "base-uri 'none'", "form-action 'none'", "frame-ancestors 'none'"
    ].join('; ')
    demoFront.headers = (path): Record<string, string> => path === '/' || path.endsWith('.html') ? { 'Content-Security-Policy': policy } : {}

    const shop = async (): Promise<CspVisitor> => {
      const v = await visitUnderCsp(demoFront, '/', policy)
      await v.page.waitForSelector('#gallery-grid[data-state="loaded"]', { timeout: 45_000 })
      await v.page.evaluate(async () => {
        const film = document.getElementById('film-video') as HTMLVideoElement
        film.muted = true
        await film.play()
        film.pause()
      })
      return v
    }
    const first = await shop()
    await waitControlled(first.page)
    // The spec sheet, downloaded through the first visitor's service worker,
    // is kept and seeded.
    const SHEET = '/media/aurora-spec-sheet.pdf'
    const sheet = await pageFetch(first.page, SHEET)
    expect(sheet.status).toBe(200)
    const second = await shop()
    // A first page is parsed before its service worker and engine run, so its
    // own assets load from the origin (README, demo figures); what the visitor
    // asks for next is what the swarm serves.
    await waitControlled(second.page)
    await waitForPeers(second.page)
    await expect.poll(async () => (await pageFetch(second.page, SHEET)).source, { timeout: 30_000 }).toMatch(/^(peer|cache)$/)
    const got = await pageFetch(second.page, SHEET)
    expect(got.sha256).toBe(sheet.sha256)
    expect((await stats(second.page)).bytesFromPeers).toBeGreaterThan(0)
    const dash = await visitUnderCsp(demoFront, '/dashboard.html', policy)
    await dash.page.waitForFunction(() => Number(document.body.dataset.ticks ?? 0) >= 1, undefined, { timeout: 10_000 })
    for (const x of [first, second, dash]) {
      expect(await violations(x.page)).toEqual([])
      expect(x.problems).toEqual([])
    }
    for (const x of [first, second, dash]) await x.context.close()
  }, 150_000)
})
