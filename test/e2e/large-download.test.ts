// Issue 13 (never slower): a whole large asset that no peer can send comes
// in one origin request whose body the browser pipes to the page untouched
// (sw/sources/origin-native.ts). It is exact, asked of the origin once, then
// kept from the HTTP cache and seeded; and when the page stops reading, the
// origin stops sending, as it would without swarmcdn.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser } from 'playwright-core'
import type { RunningServer } from '../../src/server/index.js'
import { launch, makeSite, pageFetch, publishAndServe, sha256, stats, visit, waitControlled, waitForPeers, waitForSeed, type Site } from './harness.js'

const BIG = '/files/big.bin'
/**
 * Over the 4 MiB a worker reads whole, and under what the HTTP cache of a
 * Playwright context keeps (5 MB is kept, 12 MB is not).
 */
const BIG_BYTES = 4.5 * 1024 * 1024
/** The origin's rate per response: slow enough that an abort lands mid-body. */
const ORIGIN_RATE = 2_000_000

let browser: Browser
let site: Site
let server: RunningServer
beforeAll(async () => {
  browser = await launch()
  site = await makeSite({ assets: { [BIG]: BIG_BYTES } })
  server = await publishAndServe(site, { bandwidthBytesPerSec: ORIGIN_RATE })
})
afterAll(async () => {
  await browser?.close()
  await server?.close()
  await site?.cleanup()
})

const originFor = (path: string): { bytes: number, requests: number } => server.stats().origin.byPath[path] ?? { bytes: 0, requests: 0 }

describe('a large download with no peer', () => {
  it('is one origin request, exact, then kept from the HTTP cache and seeded', async () => {
    const a = await visit(browser, server.url)
    let b: Awaited<ReturnType<typeof visit>> | null = null
    try {
      await waitControlled(a.page)
      const before = originFor(BIG)
      const r = await pageFetch(a.page, BIG)
      expect(r.source).toBe('origin')
      expect(r.length).toBe(BIG_BYTES)
      expect(r.sha256).toBe(sha256(site.assets[BIG]!))
      // One request for the whole body, not a window at a time.
      expect(originFor(BIG).requests - before.requests).toBe(1)
      // The read-back waits for twice the body's expected time at the prior origin rate (about 3 s).
      await waitForSeed(a.page, 40_000)
      expect(originFor(BIG)).toEqual({ requests: before.requests + 1, bytes: before.bytes + BIG_BYTES })
      expect((await stats(a.page)).bytesFromOrigin).toBe(BIG_BYTES)

      // What was kept is what the next visitor gets from the first.
      b = await visit(browser, server.url)
      await waitControlled(b.page)
      await waitForPeers(b.page)
      const fromPeer = await pageFetch(b.page, BIG)
      expect(fromPeer.sha256).toBe(sha256(site.assets[BIG]!))
      expect((await stats(b.page)).bytesFromPeers).toBeGreaterThan(0)
      expect([...a.errors, ...b.errors]).toEqual([])
    } finally {
      await a.context.close()
      await b?.context.close()
    }
  })

  it('stops at the origin when the page stops reading', async () => {
    const v = await visit(browser, server.url)
    try {
      await waitControlled(v.page)
      const before = originFor(BIG)
      const read = await v.page.evaluate(async (path) => {
        const abort = new AbortController()
        const res = await fetch(path, { signal: abort.signal })
        const reader = res.body!.getReader()
        let n = 0
        while (n < 512 * 1024) {
          const { done, value } = await reader.read()
          if (done) break
          n += value.length
        }
        abort.abort()
        return n
      }, BIG)
      expect(read).toBeGreaterThanOrEqual(512 * 1024)
      // Long enough for the whole body to have come at the origin's rate, had anything gone on reading it.
      await v.page.waitForTimeout(Math.ceil(BIG_BYTES / ORIGIN_RATE * 1000) + 1000)
      const sent = originFor(BIG).bytes - before.bytes
      console.log(`aborted download: page read ${read} bytes, origin sent ${sent} of ${BIG_BYTES}`)
      expect(originFor(BIG).requests - before.requests).toBe(1)
      expect(sent).toBeLessThan(BIG_BYTES / 2)
    } finally {
      await v.context.close()
    }
  })
})
