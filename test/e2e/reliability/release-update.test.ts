// Case 9: a new release (republish with changed assets) while pages are open.
// A page keeps the release it was navigated under (sw/releases.ts), so no page
// mixes two manifests; old releases' bytes are pruned once no page uses them;
// a v1 peer never answers for v2 with v1 bytes.
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import { publish } from '../../../src/cli/publish.js'
import type { RunningServer } from '../../../src/server/index.js'
import { bytes, fetchAll, launch, makeSite, pageFetch, publishAndServe, sha256, stats, visit, waitControlled, waitForSeed, type Site } from '../harness.js'
import { cachedDigests, sriOf, until } from './helpers.js'

let browser: Browser
let site: Site
let server: RunningServer
beforeAll(async () => {
  browser = await launch()
  site = await makeSite({ assets: { '/css/site.css': 10_000, '/js/app.js': 60_000, '/img/a.png': 200_000, '/media/v.mp4': 700_000 }, seed: 91 })
  server = await publishAndServe(site)
})
afterAll(async () => {
  await browser?.close()
  await server?.close()
  await site?.cleanup()
})

async function manifestHash (): Promise<string> {
  const res = await fetch(new URL('/swarmcdn.json', server.url))
  return (await res.json() as { infoHash: string }).infoHash
}

async function cacheKeys (page: Page): Promise<string[]> {
  return (await cachedDigests(page)).map((e) => decodeURIComponent(e.url.split('/').pop() ?? ''))
}

describe('release v1 → v2 while pages are open', () => {
  it('no page mixes manifests, v1 peers never serve v2 paths, old entries are pruned', async () => {
    const v1 = await manifestHash()
    const x = await visit(browser, server.url) // the visitor whose tabs span the update
    await waitControlled(x.page)
    await fetchAll(x.page, site)
    await waitForSeed(x.page)
    const s1 = await visit(browser, server.url) // a v1 seeder that stays on v1
    await waitControlled(s1.page)
    await fetchAll(s1.page, site)
    await waitForSeed(s1.page)

    // Deploy v2: two assets change, then the manifest and torrent are rewritten.
    const v2Bytes: Record<string, Buffer> = { '/img/a.png': bytes(200_000, 1001), '/media/v.mp4': bytes(700_000, 1002) }
    for (const [p, b] of Object.entries(v2Bytes)) await writeFile(join(site.dir, p), b)
    await publish({ dir: site.dir, onWarning: () => {} })
    const v2 = await manifestHash()
    expect(v2).not.toBe(v1)

    // A new tab: its first navigation makes the SW see v2; the next one is bound to it.
    const p2 = await x.context.newPage()
    await p2.goto(server.url)
    await p2.waitForTimeout(500)
    await p2.goto(server.url)
    await waitControlled(p2)
    await until(async () => (await stats(p2)).infoHash === v2, 10_000, 'the SW to adopt v2')

    // The v1 page still gets v1 bytes for every path (its verified cache).
    for (const [p, b] of Object.entries(site.assets)) {
      const r = await pageFetch(x.page, p)
      expect(r.sha256, `v1 page ${p}`).toBe(sha256(b))
    }
    // The v2 page gets v2 bytes for changed paths and never v1's.
    for (const p of Object.keys(site.assets)) {
      const want = v2Bytes[p] ?? site.assets[p]!
      const r = await pageFetch(p2, p)
      expect(r.sha256, `v2 page ${p}`).toBe(sha256(want))
    }
    // A newcomer on v2 while a v1 seeder is online: v2 bytes only.
    const n = await visit(browser, server.url)
    await waitControlled(n.page)
    await n.page.waitForTimeout(1500)
    const got = await fetchAll(n.page, site)
    for (const [p, r] of Object.entries(got)) expect(r.sha256, `newcomer ${p}`).toBe(sha256(v2Bytes[p] ?? site.assets[p]!))
    expect((await stats(n.page)).infoHash).toBe(v2)

    // The v1 page closes: v1-only bytes leave the verified cache.
    const v1Only = Object.keys(v2Bytes).map((p) => sriOf(sha256(site.assets[p]!)))
    expect(await cacheKeys(p2)).toEqual(expect.arrayContaining(v1Only))
    await x.page.close()
    await p2.reload()
    await waitControlled(p2)
    await until(async () => { const k = await cacheKeys(p2); return v1Only.every((i) => !k.includes(i)) }, 15_000, 'v1-only cache entries to be pruned')
    const keys = await cacheKeys(p2)
    // What v2 still uses stays.
    for (const p of ['/css/site.css', '/js/app.js']) expect(keys, p).toContain(sriOf(sha256(site.assets[p]!)))
    for (const v of [x, s1, n]) expect(v.errors).toEqual([])
    await x.context.close()
    await s1.context.close()
    await n.context.close()
  })
})
