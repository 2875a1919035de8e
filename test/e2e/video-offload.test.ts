// Issue 14 §6: a real H.264 film in a real `<video preload="metadata">` in
// headless Chromium, against the origin's own per-path counter.
//   1. A second viewer who plays and jumps ahead costs the origin ≤ 20 % of
//      the film, and the bytes at the seek points are exact.
//   2. A viewer who leaves after 10 s costs the origin no more than the same
//      viewer on the same page without the script tag (a returning visitor,
//      on a paced 20 Mbit/s origin, a 160 s film).
//   3. The service worker holds a bounded window of a stream in memory.
// The first visit's case: test/e2e/video-first-visit.test.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { publish } from '../../src/cli/publish.js'
import { FILM_PATH, LONG_FILM, makeVideoSite, metadataLoaded, pause, playUntil, settled, type VideoSite } from '../../bench/video-site.js'
import { attachSwMemory, sampleWhile } from '../../bench/sw-memory.js'
import { launch, SCRIPT_TAG, waitControlled, waitForPeers } from './harness.js'
import { formatLog } from './video-origin-log.js'
import { arrive, duration, exactAt, holdFilm, SECOND_VIEWER_MAX_SHARE, secondViewerOf, SHORT_VIEWER_LINK_BYTES_PER_SEC, startOrigin, stopOrigin, SW_STREAM_WINDOW_BYTES, type Arrival, type Origin } from './video-viewers.js'

let browser: Browser
let site: VideoSite

beforeAll(async () => {
  browser = await launch()
  site = await makeVideoSite(SCRIPT_TAG)
  await publish({ dir: site.dir, onWarning: () => {} })
}, 60_000)
afterAll(async () => {
  await browser?.close()
  await site?.cleanup()
})

describe('a second viewer of a film, with a peer holding it', () => {
  let origin: Origin
  let seed: { context: BrowserContext, page: Page } | undefined

  beforeAll(async () => {
    origin = await startOrigin(site.dir)
    seed = await holdFilm(browser, origin, site)
  }, 120_000)
  afterAll(async () => {
    await seed?.context.close()
    await stopOrigin(origin)
  })

  const secondViewer = (arrival: Arrival): ReturnType<ReturnType<typeof secondViewerOf>> => secondViewerOf(browser, origin, site)(arrival)

  it(`returning visitor: plays, jumps ahead twice; the origin serves ≤ ${SECOND_VIEWER_MAX_SHARE * 100} % of the film, exact bytes at the seek points`, async () => {
    const v = await secondViewer('returning')
    try {
      await exactAt(v.page, site, v.starts)
      expect(v.errors).toEqual([])
      expect(v.cost / site.film.length).toBeLessThanOrEqual(SECOND_VIEWER_MAX_SHARE)
    } finally {
      await v.context.close()
    }
  }, 120_000)

  it(`the service worker holds ≤ ${SW_STREAM_WINDOW_BYTES / 2 ** 20} MiB of a film streamed from a peer`, async () => {
    const context = await browser.newContext()
    try {
      const page = await context.newPage()
      await page.goto(`${origin.server.url}index.html`)
      await waitControlled(page)
      await waitForPeers(page)
      const mem = await attachSwMemory(browser, page)
      const idle = await mem.sample()
      const sampling = sampleWhile(mem)
      await page.goto(`${origin.server.url}watch.html`)
      await metadataLoaded(page)
      await playUntil(page, await duration(page), { rate: 4 })
      await settled(origin.film)
      const { peak, samples } = await sampling.stop()
      await mem.detach()
      const held = peak - idle.total
      console.log(`SW memory streaming from a peer: idle ${idle.total} bytes, peak ${peak} (+${held}); samples (MB): ${samples.map((s) => (s.total / 1e6).toFixed(1)).join(' ')}`)
      expect(held).toBeLessThanOrEqual(SW_STREAM_WINDOW_BYTES)
    } finally {
      await context.close()
    }
  }, 120_000)
})

describe('a viewer who leaves after 10 s, nobody else watching, on a 20 Mbit/s link', () => {
  let origin: Origin
  let long: VideoSite
  beforeAll(async () => {
    long = await makeVideoSite(SCRIPT_TAG, LONG_FILM)
    await publish({ dir: long.dir, onWarning: () => {} })
    origin = await startOrigin(long.dir, SHORT_VIEWER_LINK_BYTES_PER_SEC)
  }, 120_000)
  afterAll(async () => {
    await stopOrigin(origin)
    await long?.cleanup()
  })

  /**
   * One viewer: arrives, plays 10 s of the film, leaves for another page.
   * The browser (and so the service worker) lives on, as it does when a
   * visitor closes a tab: whatever keeps downloading after the page is gone
   * is counted. Returns the origin bytes the viewer cost.
   */
  const shortViewer = async (arrival: Arrival, plain: boolean): Promise<number> => {
    const before = await settled(origin.film)
    const v = await arrive(browser, origin.server.url, arrival, plain)
    try {
      await playUntil(v.page, 10)
      expect(v.errors).toEqual([])
      await v.page.goto('about:blank')
      return await settled(origin.film) - before
    } finally {
      await v.context.close()
    }
  }

  // A returning visitor: the SW is in the path of every request the player
  // makes. (On a first visit the player's requests usually all go out before
  // the SW controls the page, natively, and the two runs differ only by
  // Chromium's own timing: measured 0.83x to 1.36x with the SW untouched.
  // bench/video.js reports that case.)
  it('returning visitor: costs the origin no more than the same viewer without swarmcdn', async () => {
    const logFrom = origin.log.entries.length
    const without = await shortViewer('returning', true)
    const logMid = origin.log.entries.length
    const withSwarm = await shortViewer('returning', false)
    const lines = (from: number, to: number): string => formatLog(origin.log.since(from, FILM_PATH).filter((e) => origin.log.entries.indexOf(e) < to))
    console.log(`short viewer (returning): without swarmcdn ${without} bytes, with ${withSwarm} bytes (${(withSwarm / without).toFixed(2)}x)\n` +
      `origin saw, without:\n${lines(logFrom, logMid)}\norigin saw, with:\n${lines(logMid, origin.log.entries.length)}`)
    expect(withSwarm).toBeLessThanOrEqual(without)
  }, 120_000)

  it(`the service worker holds ≤ ${SW_STREAM_WINDOW_BYTES / 2 ** 20} MiB of a film streamed from the origin (48 s of it)`, async () => {
    const context = await browser.newContext()
    try {
      const page = await context.newPage()
      await page.goto(`${origin.server.url}index.html`)
      await waitControlled(page)
      const mem = await attachSwMemory(browser, page)
      const idle = await mem.sample()
      const sampling = sampleWhile(mem)
      await page.goto(`${origin.server.url}watch.html`)
      await metadataLoaded(page)
      await playUntil(page, 48, { rate: 4 })
      // What the SW still reads after the player has what it wants is held too.
      await pause(page)
      await settled(origin.film)
      const { peak, samples } = await sampling.stop()
      await mem.detach()
      const held = peak - idle.total
      console.log(`SW memory streaming from the origin: idle ${idle.total} bytes, peak ${peak} (+${held}); samples (MB): ${samples.map((s) => (s.total / 1e6).toFixed(1)).join(' ')}`)
      expect(held).toBeLessThanOrEqual(SW_STREAM_WINDOW_BYTES)
    } finally {
      await context.close()
    }
  }, 120_000)
})
