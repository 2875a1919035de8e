// Shared e2e harness: a generated site, published with the real CLI code,
// served by the real origin + tracker, visited by real Chromium contexts.
import { createHash } from 'node:crypto'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { launchChromium } from '../../scripts/chromium.mjs'
import { seededBytes as bytes } from '../../scripts/multipage-site.mjs'
import { publish } from '../../src/cli/publish.js'
import { startServer, type RunningServer } from '../../src/server/index.js'

export { chromiumPath, CHROMIUM_ARGS } from '../../scripts/chromium.mjs'

export async function launch (): Promise<Browser> {
  return launchChromium()
}

/** Deterministic bytes (xorshift), so failures reproduce. */
export { bytes }

export function sha256 (data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex')
}

export interface Site {
  dir: string
  /** URL path → bytes. */
  assets: Record<string, Buffer>
  cleanup: () => Promise<void>
}

/** Script tag as a site owner writes it; tests on loopback need no STUN. */
export const SCRIPT_TAG = '<script src="/swarmcdn.js" defer data-ice-servers="[]"></script>'

export const DEFAULT_ASSETS: Record<string, number> = {
  '/css/site.css': 6_000,
  '/js/app.js': 40_000,
  '/img/small.png': 60_000,
  '/img/photo.jpg': 700_000,
  '/media/clip.mp4': 3_000_000
}

export async function makeSite (opts: { assets?: Record<string, number>, pages?: Record<string, string>, seed?: number } = {}): Promise<Site> {
  const dir = await mkdtemp(join(tmpdir(), 'swarmcdn-e2e-'))
  const assets: Record<string, Buffer> = {}
  let seed = opts.seed ?? 1
  for (const [path, size] of Object.entries(opts.assets ?? DEFAULT_ASSETS)) {
    const data = bytes(size, seed++)
    assets[path] = data
    await mkdir(dirname(join(dir, path)), { recursive: true })
    await writeFile(join(dir, path), data)
  }
  const pages = opts.pages ?? {
    '/index.html': `<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>fixture</title>${SCRIPT_TAG}</head><body><h1>fixture</h1></body></html>`
  }
  for (const [path, html] of Object.entries(pages)) {
    await mkdir(dirname(join(dir, path)), { recursive: true })
    await writeFile(join(dir, path), html)
  }
  return { dir, assets, cleanup: () => rm(dir, { recursive: true, force: true }) }
}

export async function publishAndServe (site: Site, serverOpts: { latencyMs?: number, bandwidthBytesPerSec?: number } = {}): Promise<RunningServer> {
  await publish({ dir: site.dir, onWarning: () => {} })
  return startServer({ dir: site.dir, port: 0, quiet: true, resetStats: true, ...serverOpts })
}

export interface Visitor {
  context: BrowserContext
  page: Page
  errors: string[]
}

/** A new visitor (fresh profile) on `url`, with page errors collected. */
export async function visit (browser: Browser, url: string): Promise<Visitor> {
  const context = await browser.newContext()
  const page = await context.newPage()
  const errors: string[] = []
  page.on('pageerror', (e) => errors.push(e.message))
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()) })
  await page.goto(url)
  return { context, page, errors }
}

/** Resolves once the swarmcdn SW controls the page. */
export async function waitControlled (page: Page): Promise<void> {
  await page.waitForFunction(() => Boolean(navigator.serviceWorker.controller), undefined, { timeout: 20_000 })
}

export async function stats (page: Page): Promise<Record<string, any>> {
  return page.evaluate(() => window.swarmcdn!.stats()) as Promise<Record<string, any>>
}

export async function waitForPeers (page: Page, n = 1, timeout = 20_000): Promise<void> {
  const start = Date.now()
  for (;;) {
    const s = await stats(page)
    if (s.peers >= n) return
    if (Date.now() - start > timeout) throw new Error(`no ${n} peer(s) after ${timeout} ms: ${JSON.stringify({ peers: s.peers, engine: s.engine })}`)
    await page.waitForTimeout(100)
  }
}

/** Waits until the engine holds every piece (a full seed). */
export async function waitForSeed (page: Page, timeout = 20_000): Promise<void> {
  const start = Date.now()
  for (;;) {
    const s = await stats(page)
    if (s.engine && s.engine.piecesTotal > 0 && s.engine.piecesHeld === s.engine.piecesTotal) return
    if (Date.now() - start > timeout) throw new Error(`not a full seed after ${timeout} ms: ${JSON.stringify(s.engine)}`)
    await page.waitForTimeout(100)
  }
}

export interface FetchResult { status: number, source: string | null, sha256: string, length: number, headers: Record<string, string> }

/** fetch() inside the page (through the SW), returning what the page received. */
export async function pageFetch (page: Page, path: string, headers: Record<string, string> = {}, init: { method?: string } = {}): Promise<FetchResult> {
  const r = await page.evaluate(async ({ path, headers, init }) => {
    const res = await fetch(path, { headers, ...init })
    const buf = new Uint8Array(await res.arrayBuffer())
    const h: Record<string, string> = {}
    res.headers.forEach((v, k) => { h[k] = v })
    return { status: res.status, headers: h, b64: btoa(Array.from(buf, (c) => String.fromCharCode(c)).join('')) }
  }, { path, headers, init })
  const body = Buffer.from(r.b64, 'base64')
  return { status: r.status, source: r.headers['x-swarmcdn-source'] ?? null, sha256: sha256(body), length: body.length, headers: r.headers }
}

/** Loads every asset of the site in the page and returns what each came from. */
export async function fetchAll (page: Page, site: Site): Promise<Record<string, FetchResult>> {
  const out: Record<string, FetchResult> = {}
  for (const path of Object.keys(site.assets)) out[path] = await pageFetch(page, path)
  return out
}

export function originBytes (server: RunningServer, paths?: string[]): number {
  const s = server.stats()
  if (!paths) return s.origin.bytesServed
  return paths.reduce((n, p) => n + (s.origin.byPath[p]?.bytes ?? 0), 0)
}
