// Issue 14 §6, first visit: a real H.264 film in a real `<video preload="metadata">`
// in headless Chromium, against the origin's own per-path counter.
// A first visit's page is not controlled when the player asks for the
// metadata, so that player started on native responses, and Chromium's media
// loader refuses a built Response for it afterwards: the SW passes its
// requests through by bounded windows (sw/sources/media.ts). Once a peer
// holds the film, the page reloads the player that has not started playing
// (src/engine/players.ts), and the SW answers it from its first request.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { publish } from '../../src/cli/publish.js'
import { makeVideoSite, type VideoSite } from '../../bench/video-site.js'
import { FILM_PATH, pause, playUntil, seekTo, settled } from '../../bench/video-site.js'
import { launch, pageFetch, SCRIPT_TAG, sha256, waitControlled, waitForPeers } from './harness.js'
import { formatLog } from './video-origin-log.js'
import { arrive, duration, EXACT_SPAN, exactAt, holdFilm, SECOND_VIEWER_MAX_SHARE, SEEK_POINTS, secondViewerOf, startOrigin, stopOrigin, WATCH_SECONDS, type Arrival, type Origin } from './video-viewers.js'

/** A media window of the SW (sw/plan.ts MEDIA_WINDOW_UNITS): 4 blocks of 256 KiB. */
const MEDIA_WINDOW_BYTES = 4 * 256 * 1024

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

  // A first visit's page is not controlled when the player asks for the
  // metadata: that request goes to the origin natively, out of the SW's
  // reach, as it would without swarmcdn. Everything after the SW took over
  // is swarmcdn's, and the film must play across the hand-over.
  it(`first visit: keeps playing across the hand-over; after it the origin serves ≤ ${SECOND_VIEWER_MAX_SHARE * 100} % of the film, exact bytes at the seek points`, async () => {
    const v = await secondViewer('first visit')
    try {
      await exactAt(v.page, site, v.starts)
      expect(v.errors).toEqual([])
      expect((v.cost - v.uncontrolled) / site.film.length).toBeLessThanOrEqual(SECOND_VIEWER_MAX_SHARE)
    } finally {
      await v.context.close()
    }
  }, 120_000)

  // The hand-over reloads only a player nobody started: one that plays is
  // the viewer's, and is never interrupted. It stays on the origin: what it
  // asked before the SW took over is the browser's own (as without
  // swarmcdn); after that, the SW passes it through by bounded windows, so
  // the origin never sends far past what it reads.
  it('first visit, playing before a peer is up: never reloaded, keeps playing and seeking; the SW passes it through by bounded windows', async () => {
    const logFrom = origin.log.entries.length
    const before = await settled(origin.film)
    const v = await arrive(browser, origin.server.url, 'first visit')
    try {
      await playUntil(v.page, 1)
      await waitControlled(v.page)
      await waitForPeers(v.page)
      const d = await duration(v.page)
      const now = await v.page.evaluate(() => (document.getElementById('film') as HTMLVideoElement).currentTime)
      await playUntil(v.page, now + WATCH_SECONDS)
      await playUntil(v.page, (await seekTo(v.page, d * SEEK_POINTS[0]!)) + WATCH_SECONDS)
      await pause(v.page)
      const cost = await settled(origin.film) - before
      const seen = origin.log.since(logFrom, FILM_PATH)
      console.log(`first visit, playing before a peer: the origin sent ${cost} bytes of the film's ${site.film.length} (${(cost / site.film.length * 100).toFixed(1)} %)\n` +
        `player requests: ${v.requests.map((r) => `${r.by} ${r.range ?? '(no Range)'}`).join('; ')}\norigin saw:\n${formatLog(seen)}`)
      expect(await v.page.evaluate(() => (window as unknown as { swarmcdnReloadedAt: number | null }).swarmcdnReloadedAt)).toBeNull()
      expect(v.errors).toEqual([])
      // What the SW asked for this player: bounded windows only. On loopback
      // the native request often holds the whole film before the SW takes
      // over, and then there are none. (A request without Range is the store
      // adopting what the HTTP cache holds, never the network: sw/adopt.ts.)
      const bySw = v.requests.filter((r) => r.by === 'sw' && r.range !== null)
      for (const r of bySw) {
        const m = /^bytes=(\d+)-(\d*)$/.exec(r.range!)
        expect(m?.[2], `bounded: ${r.range}`).toBeTruthy()
        expect(Number(m![2]) - Number(m![1]) + 1, r.range!).toBeLessThanOrEqual(MEDIA_WINDOW_BYTES)
      }
      // Where the player read after its start: exact bytes there, through the SW.
      const starts = [...new Set(v.requests.filter((r) => r.by === 'page' && r.range).map((r) => Number(/^bytes=(\d+)-/.exec(r.range!)?.[1] ?? 0)).filter((x) => x > 0))]
      expect(starts.length).toBeGreaterThan(0)
      for (const start of starts) {
        const end = Math.min(site.film.length, start + EXACT_SPAN) - 1
        const r = await pageFetch(v.page, FILM_PATH, { Range: `bytes=${start}-${end}` })
        expect(r.status, `bytes=${start}-${end}`).toBe(206)
        expect(r.sha256, `bytes=${start}-${end}`).toBe(sha256(site.film.subarray(start, end + 1)))
      }
    } finally {
      await v.context.close()
    }
  }, 120_000)
})
