// Cases 3-5: what the origin serves decides what may be shared.
// 3. A missing, malformed, weak or failing manifest: P2P off, origin passthrough.
// 4. Origin bytes that do not match the manifest (a deploy in progress):
//    delivered as the origin sent them, never cached as verified nor seeded.
// 5. Responses marked private/no-store or Vary: Cookie/Authorization, and
//    requests with credentials: never cached, announced or seeded.
import { readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser } from 'playwright-core'
import type { RunningServer } from '../../../src/server/index.js'
import { bytes, fetchAll, launch, makeSite, originBytes, pageFetch, publishAndServe, sha256, stats, visit, waitControlled, waitForPeers, type Site } from '../harness.js'
import { cachedDigests, headerProxy, sriOf, until } from './helpers.js'

let browser: Browser
beforeAll(async () => { browser = await launch() })
afterAll(async () => { await browser?.close() })

/**
 * Sizes are whole 16 KiB pieces, so every asset starts on a piece boundary: a
 * piece that straddles a shared and a never-shared asset cannot be seeded at
 * all, which would hide what these tests look for.
 */
const K16 = 16 * 1024
const SMALL_ASSETS = { '/css/site.css': K16, '/js/app.js': 2 * K16, '/img/a.png': 5 * K16, '/media/v.mp4': 37 * K16 }

describe('manifest faults turn P2P off and pass everything to the origin', () => {
  let site: Site
  let server: RunningServer
  let good: string
  let proxyStatus: number | undefined
  let proxy: Awaited<ReturnType<typeof headerProxy>>
  beforeAll(async () => {
    site = await makeSite({ assets: SMALL_ASSETS, seed: 31 })
    server = await publishAndServe(site)
    good = await readFile(join(site.dir, 'swarmcdn.json'), 'utf8')
    proxy = await headerProxy(server, (path) => path === '/swarmcdn.json' && proxyStatus !== undefined ? { status: proxyStatus } : undefined)
  })
  afterAll(async () => { await proxy.close(); await server.close(); await site.cleanup() })

  const variants: Array<[string, () => Promise<void>]> = [
    ['missing (404)', () => rm(join(site.dir, 'swarmcdn.json'))],
    ['malformed JSON', () => writeFile(join(site.dir, 'swarmcdn.json'), good.slice(0, good.length >> 1))],
    ['a sha1- integrity (weak hash)', async () => {
      const m = JSON.parse(good)
      const first = Object.keys(m.assets)[0]!
      m.assets[first].integrity = `sha1-${Buffer.alloc(20).toString('base64')}`
      await writeFile(join(site.dir, 'swarmcdn.json'), JSON.stringify(m))
    }],
    ['a sha512- integrity (unknown to the format)', async () => {
      const m = JSON.parse(good)
      for (const a of Object.values(m.assets) as Array<{ integrity: string }>) a.integrity = `sha512-${Buffer.alloc(64).toString('base64')}`
      await writeFile(join(site.dir, 'swarmcdn.json'), JSON.stringify(m))
    }],
    ['version 2', () => writeFile(join(site.dir, 'swarmcdn.json'), JSON.stringify({ ...JSON.parse(good), version: 2 }))],
    ['served with HTTP 500', async () => { proxyStatus = 500 }],
    ['served with HTTP 403', async () => { proxyStatus = 403 }]
  ]

  for (const [label, breakIt] of variants) {
    it(`manifest ${label}: no interception, exact origin bytes, no engine, no errors`, async () => {
      await breakIt()
      try {
        const v = await visit(browser, proxy.url)
        await waitControlled(v.page)
        const got = await fetchAll(v.page, site)
        for (const [path, r] of Object.entries(got)) {
          expect(r.status, path).toBe(200)
          expect(r.source, `${path} passes through untouched`).toBeNull()
          expect(r.sha256, path).toBe(sha256(site.assets[path]!))
        }
        // Give the engine its chance to (wrongly) start after load + idle.
        await v.page.waitForTimeout(1500)
        const s = await stats(v.page)
        expect(s.infoHash).toBeNull()
        expect(s.p2p).toBe(false)
        expect(s.bytesFromPeers + s.bytesFromOrigin + s.bytesFromCache).toBe(0)
        expect((await cachedDigests(v.page)).filter((e) => e.url.includes('/__swarmcdn/blob/'))).toEqual([])
        expect(v.errors).toEqual([])
        await v.context.close()
      } finally {
        proxyStatus = undefined
        await writeFile(join(site.dir, 'swarmcdn.json'), good)
      }
    })
  }
})

describe('origin bytes that do not match the manifest (deploy in progress)', () => {
  it('the visitor gets the origin bytes, which are neither cached as verified nor seeded', async () => {
    const site = await makeSite({ assets: SMALL_ASSETS, seed: 41 })
    const server = await publishAndServe(site)
    try {
      // After publish: a small asset and a block-verified one change on disk.
      const changed: Record<string, Buffer> = { '/img/a.png': bytes(5 * K16, 999), '/media/v.mp4': bytes(37 * K16, 998) }
      for (const [p, b] of Object.entries(changed)) await writeFile(join(site.dir, p), b)
      const a = await visit(browser, server.url)
      await waitControlled(a.page)
      const got = await fetchAll(a.page, site)
      for (const [path, r] of Object.entries(got)) {
        expect(r.status, path).toBe(200)
        expect(r.source, path).toBe('origin')
        expect(r.sha256, path).toBe(sha256(changed[path] ?? site.assets[path]!))
      }
      // The unchanged assets are kept and seeded; the changed ones are not.
      const unchanged = Object.keys(site.assets).filter((p) => !(p in changed))
      await until(async () => (await cachedDigests(a.page)).length >= unchanged.length + 1, 10_000, 'unchanged assets to be cached')
      const cached = await cachedDigests(a.page)
      const keys = cached.map((e) => decodeURIComponent(e.url.split('/').pop() ?? ''))
      for (const p of unchanged) expect(keys, p).toContain(sriOf(sha256(site.assets[p]!)))
      for (const [p, b] of Object.entries(changed)) {
        expect(keys, p).not.toContain(sriOf(sha256(site.assets[p]!)))
        expect(cached.map((e) => e.sha256), p).not.toContain(sha256(b))
      }
      // A second visitor: the unchanged assets come from A, the changed ones do not.
      const b = await visit(browser, server.url)
      await waitControlled(b.page)
      await waitForPeers(b.page, 1)
      const before = originBytes(server, unchanged)
      for (const p of unchanged) {
        const r = await pageFetch(b.page, p)
        // 'cache': the engine may have prefetched it from A already.
        expect(r.source, p).toMatch(/^(peer|cache)$/)
        expect(r.sha256, p).toBe(sha256(site.assets[p]!))
      }
      expect(originBytes(server, unchanged)).toBe(before)
      for (const [p, bytesNow] of Object.entries(changed)) {
        const r = await pageFetch(b.page, p)
        expect(r.source, p).toBe('origin')
        expect(r.sha256, p).toBe(sha256(bytesNow))
      }
      expect(a.errors).toEqual([])
      expect(b.errors).toEqual([])
      await a.context.close()
      await b.context.close()
    } finally {
      await server.close()
      await site.cleanup()
    }
  })
})

describe('private responses and credentialed requests are never shared', () => {
  it('Cache-Control private/no-store and Vary: Cookie/Authorization: served, never cached or seeded', async () => {
    const assets = {
      '/public/a.css': K16,
      '/private/p.js': 3 * K16,
      '/private/nostore.json': 2 * K16,
      '/private/vary-cookie.png': 3 * K16,
      '/private/vary-auth.bin': 19 * K16,
      '/public/z.woff2': K16
    }
    const site = await makeSite({ assets, seed: 51 })
    const server = await publishAndServe(site)
    const rules: Record<string, Record<string, string>> = {
      '/private/p.js': { 'Cache-Control': 'private, max-age=60' },
      '/private/nostore.json': { 'Cache-Control': 'no-store' },
      '/private/vary-cookie.png': { Vary: 'Accept-Encoding, Cookie' },
      '/private/vary-auth.bin': { Vary: 'Authorization' }
    }
    const proxy = await headerProxy(server, (path) => rules[path] ? { headers: rules[path] } : undefined)
    try {
      const a = await visit(browser, proxy.url)
      await waitControlled(a.page)
      const got = await fetchAll(a.page, site)
      for (const [path, r] of Object.entries(got)) {
        expect(r.sha256, path).toBe(sha256(site.assets[path]!))
        expect(r.source, path).toBe('origin')
      }
      // A credentialed request for a public asset is not even intercepted.
      const auth = await pageFetch(a.page, '/public/a.css', { Authorization: 'Bearer secret' })
      expect(auth.source).toBeNull()
      expect(auth.sha256).toBe(sha256(site.assets['/public/a.css']!))
      const publicPaths = ['/public/a.css', '/public/z.woff2']
      await until(async () => (await cachedDigests(a.page)).length >= publicPaths.length + 1, 10_000, 'public assets to be cached')
      await a.page.waitForTimeout(500)
      const keys = (await cachedDigests(a.page)).map((e) => decodeURIComponent(e.url.split('/').pop() ?? ''))
      for (const p of publicPaths) expect(keys, p).toContain(sriOf(sha256(site.assets[p]!)))
      for (const p of Object.keys(rules)) expect(keys, p).not.toContain(sriOf(sha256(site.assets[p]!)))

      const b = await visit(browser, proxy.url)
      await waitControlled(b.page)
      await waitForPeers(b.page, 1)
      // The check can fail: public assets do come from A.
      const before = originBytes(server, publicPaths)
      for (const p of publicPaths) expect((await pageFetch(b.page, p)).source, p).toMatch(/^(peer|cache)$/)
      expect(originBytes(server, publicPaths)).toBe(before)
      for (const p of Object.keys(rules)) {
        const r = await pageFetch(b.page, p)
        expect(r.source, p).toBe('origin')
        expect(r.sha256, p).toBe(sha256(site.assets[p]!))
      }
      expect(a.errors).toEqual([])
      expect(b.errors).toEqual([])
      await a.context.close()
      await b.context.close()
    } finally {
      await proxy.close()
      await server.close()
      await site.cleanup()
    }
  })
})
