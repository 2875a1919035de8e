// Redeploys: a v1 → v2 deploy with 1 of 10 assets changed. Returning v1
// visitors reload, their leader follows the SW to v2 and seeds the 9
// unchanged assets at once from the verified store (same SHA-256, same store
// entries), without downloading them again; the first new v2 visitor gets
// the unchanged bytes from them.
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import { publish } from '../../src/cli/publish.js'
import type { RunningServer } from '../../src/server/index.js'
import { bytes, fetchAll, launch, makeSite, originBytes, publishAndServe, sha256, stats, visit, waitControlled, waitForPeers, waitForSeed, type Site, type Visitor } from './harness.js'

let browser: Browser
let site: Site
let server: RunningServer
const visitors: Visitor[] = []
const ASSETS: Record<string, number> = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`/assets/a${i}.bin`, 150_000 + i * 10_000]))
const CHANGED = '/assets/a3.bin'

beforeAll(async () => {
  browser = await launch()
  site = await makeSite({ assets: ASSETS, seed: 150 })
  server = await publishAndServe(site)
})
afterAll(async () => {
  for (const v of visitors) await v.context.close().catch(() => {})
  await browser?.close()
  await server?.close()
  await site?.cleanup()
})

async function manifest (): Promise<{ infoHash: string, pieceLength: number, assets: Record<string, { size: number }> }> {
  return await (await fetch(new URL('/swarmcdn.json', server.url))).json() as never
}

async function until (what: string, timeoutMs: number, fn: () => Promise<boolean>, page: Page): Promise<void> {
  const start = Date.now()
  while (!(await fn())) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}: ${JSON.stringify((await stats(page)).engine)}`)
    await page.waitForTimeout(100)
  }
}

describe('redeploy v1 → v2, 1 of 10 assets changed', () => {
  it('returning visitors follow v2 and seed the unchanged assets at once; a new v2 visitor gets them from peers', async () => {
    const v1 = (await manifest()).infoHash
    const returning: Visitor[] = []
    for (let i = 0; i < 2; i++) {
      const v = await visit(browser, server.url)
      visitors.push(v)
      returning.push(v)
      await waitControlled(v.page)
      await fetchAll(v.page, site)
      await waitForSeed(v.page)
      expect((await stats(v.page)).engine.infoHash).toBe(v1)
    }

    // Deploy v2.
    const v2Bytes = bytes(ASSETS[CHANGED]!, 9999)
    await writeFile(join(site.dir, CHANGED), v2Bytes)
    await publish({ dir: site.dir, onWarning: () => {} })
    const m2 = await manifest()
    expect(m2.infoHash).not.toBe(v1)
    const unchanged = Object.keys(ASSETS).filter((p) => p !== CHANGED)
    const changedPieces = Math.ceil(m2.assets[CHANGED]!.size / m2.pieceLength)

    // Returning visitors reload: the leader joins v2 and holds every unchanged piece from the store.
    const originBefore = originBytes(server, Object.keys(ASSETS))
    for (const v of returning) {
      await v.page.reload()
      await waitControlled(v.page)
      await until('the leader to follow v2 with the unchanged pieces', 20_000, async () => {
        const e = (await stats(v.page)).engine
        return e?.running && e.infoHash === m2.infoHash && e.piecesHeld >= e.piecesTotal - changedPieces
      }, v.page)
    }
    // Nothing was downloaded again to seed v2.
    expect(originBytes(server, Object.keys(ASSETS))).toBe(originBefore)

    // The first new v2 visitor.
    const n = await visit(browser, server.url)
    visitors.push(n)
    await waitControlled(n.page)
    expect((await stats(n.page)).infoHash).toBe(m2.infoHash)
    await waitForPeers(n.page)
    const got = await fetchAll(n.page, site)
    let fromPeers = 0
    let unchangedBytes = 0
    for (const [p, r] of Object.entries(got)) {
      expect(r.sha256, p).toBe(sha256(p === CHANGED ? v2Bytes : site.assets[p]!))
      if (p === CHANGED) continue
      unchangedBytes += r.length
      if (r.source === 'peer') fromPeers += r.length
    }
    const share = fromPeers / unchangedBytes
    console.log(`redeploy: new v2 visitor got ${share.toFixed(3)} of the unchanged bytes from peers`)
    expect(share).toBeGreaterThanOrEqual(0.9)
    for (const v of visitors) expect(v.errors).toEqual([])
    expect(unchanged.length).toBe(9)
  })
})
