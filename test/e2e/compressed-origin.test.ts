// An origin behind a CDN that compresses text assets (Content-Encoding: gzip),
// as most do: the service worker still verifies the decoded bytes against the
// manifest, keeps them, seeds them, and the next visitor gets them from peers.
import { gzipSync } from 'node:zlib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser } from 'playwright-core'
import type { RunningServer } from '../../src/server/index.js'
import { startFront, type Front } from './front.js'
import { fetchAll, launch, makeSite, publishAndServe, sha256, stats, visit, waitControlled, waitForPeers, waitForSeed, type Site, type Visitor } from './harness.js'

const TEXT: Record<string, string> = { '.css': 'text/css; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.html': 'text/html; charset=utf-8' }

let browser: Browser
let site: Site
let server: RunningServer
let front: Front
const visitors: Visitor[] = []
/** Paths the front answered compressed. */
const gzipped = new Map<string, number>()

beforeAll(async () => {
  browser = await launch()
  site = await makeSite({ assets: { '/css/site.css': 30_000, '/js/app.js': 120_000, '/js/vendor.js': 900_000, '/img/photo.jpg': 400_000 } })
  server = await publishAndServe(site)
  front = await startFront(server)
  // The CDN: whole-body GETs of text assets go out gzip-encoded; Range
  // requests and everything else pass through to the origin untouched.
  front.handler = (path, req, res) => {
    const ext = /\.[a-z]+$/.exec(path)?.[0] ?? ''
    const body = site.assets[path]
    if (req.method !== 'GET' || req.headers.range !== undefined || TEXT[ext] === undefined || body === undefined) return false
    if (!/\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''))) return false
    const z = gzipSync(body)
    gzipped.set(path, (gzipped.get(path) ?? 0) + 1)
    res.writeHead(200, { 'Content-Type': TEXT[ext]!, 'Content-Encoding': 'gzip', 'Content-Length': String(z.length), Vary: 'Accept-Encoding', 'Cache-Control': 'public, max-age=60' })
    res.end(z)
    return true
  }
})

afterAll(async () => {
  for (const v of visitors) await v.context.close().catch(() => {})
  await browser?.close()
  await front?.close()
  await server?.close()
  await site?.cleanup()
})

describe('compressed origin (Content-Encoding: gzip)', () => {
  it('decoded bytes are verified, kept and seeded; the next visitor gets them from peers', async () => {
    const a = await visit(browser, front.url)
    visitors.push(a)
    await waitControlled(a.page)
    const fromA = await fetchAll(a.page, site)
    for (const [path, r] of Object.entries(fromA)) {
      expect(r.status, path).toBe(200)
      expect(r.source, path).toBe('origin')
      expect(r.sha256, path).toBe(sha256(site.assets[path]!))
    }
    expect([...gzipped.keys()].sort()).toEqual(['/css/site.css', '/js/app.js', '/js/vendor.js'])
    // Kept and seeded: the compressed answers reached the verified store.
    await waitForSeed(a.page)

    const b = await visit(browser, front.url)
    visitors.push(b)
    await waitControlled(b.page)
    await waitForPeers(b.page)
    const before = new Map(gzipped)
    const fromB = await fetchAll(b.page, site)
    for (const [path, r] of Object.entries(fromB)) {
      expect(r.source, path).toBe('peer')
      expect(r.length, path).toBe(site.assets[path]!.length)
      expect(r.sha256, path).toBe(sha256(site.assets[path]!))
    }
    expect(gzipped).toEqual(before)
    expect((await stats(b.page)).bytesFromOrigin).toBe(0)
    expect(a.errors).toEqual([])
    expect(b.errors).toEqual([])
  })
})
