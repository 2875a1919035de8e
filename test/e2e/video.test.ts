// A film visitors only stream by Range still reaches the swarm: verified
// 256 KiB blocks of origin 206s are kept one by one, seeded, and served again.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser } from 'playwright-core'
import type { RunningServer } from '../../src/server/index.js'
import { launch, makeSite, pageFetch, publishAndServe, sha256, visit, waitControlled, waitForPeers, type Site } from './harness.js'

const SIZE = 3_000_000
let browser: Browser
let site: Site
let server: RunningServer

beforeAll(async () => {
  browser = await launch()
  site = await makeSite({ assets: { '/media/film.mp4': SIZE, '/css/site.css': 5_000 } })
  server = await publishAndServe(site)
})
afterAll(async () => {
  await browser?.close()
  await server?.close()
  await site?.cleanup()
})

const film = (): Buffer => site.assets['/media/film.mp4']!
const filmOrigin = (): number => server.stats().origin.byPath['/media/film.mp4']?.bytes ?? 0

describe('streamed video', () => {
  it('ranges one visitor streamed from the origin come to the next from peers, and from its own cache after a reload', async () => {
    // Blocks 0–3 and 6–11 (256 KiB each; the last ends at the file's end).
    const ranges: Array<[number, number]> = [[0, 1_048_575], [1_572_864, SIZE - 1]]
    const a = await visit(browser, server.url)
    await waitControlled(a.page)
    for (const [from, to] of ranges) {
      const r = await pageFetch(a.page, '/media/film.mp4', { Range: `bytes=${from}-${to}` })
      expect(r.status).toBe(206)
      expect(r.source).toBe('origin')
      expect(r.sha256).toBe(sha256(film().subarray(from, to + 1)))
    }
    // Kept once the page is quiet, then seeded: A holds every piece of those blocks.
    const piecesOfRanges = ranges.reduce((n, [f, t]) => n + Math.ceil((t + 1 - f) / 16384), 0)
    await expect.poll(() => a.page.evaluate(() => window.swarmcdn!.stats().then((s) => s.engine?.piecesHeld ?? 0)), { timeout: 15_000 }).toBeGreaterThanOrEqual(piecesOfRanges)
    const originAfterA = filmOrigin()

    const b = await visit(browser, server.url)
    await waitControlled(b.page)
    await waitForPeers(b.page)
    for (const [from, to] of [...ranges, [300_000, 700_000], [2_000_000, 2_000_099]] as Array<[number, number]>) {
      const r = await pageFetch(b.page, '/media/film.mp4', { Range: `bytes=${from}-${to}` })
      expect(r.status, `${from}-${to}`).toBe(206)
      expect(r.source, `${from}-${to}`).toMatch(/^(peer|cache)$/)
      expect(r.headers['content-range']).toBe(`bytes ${from}-${to}/${SIZE}`)
      expect(r.sha256, `${from}-${to}`).toBe(sha256(film().subarray(from, to + 1)))
    }
    expect(filmOrigin()).toBe(originAfterA)

    // A range into blocks nobody holds goes to the origin, exact.
    const gap = await pageFetch(b.page, '/media/film.mp4', { Range: 'bytes=1100000-1200000' })
    expect(gap.source).toBe('origin')
    expect(gap.sha256).toBe(sha256(film().subarray(1_100_000, 1_200_001)))

    // A's own blocks survive a reload: served from its verified cache.
    await a.page.reload()
    await waitControlled(a.page)
    const again = await pageFetch(a.page, '/media/film.mp4', { Range: 'bytes=2000000-2500000' })
    expect(again.source).toBe('cache')
    expect(again.sha256).toBe(sha256(film().subarray(2_000_000, 2_500_001)))
    expect(a.errors).toEqual([])
    expect(b.errors).toEqual([])
    await a.context.close()
    await b.context.close()
  })
})
