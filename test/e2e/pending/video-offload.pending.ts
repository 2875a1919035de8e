// Issue 14 §6: a real H.264 film in a real `<video preload="metadata">` in
// headless Chromium, against the origin's own per-path counter.
//   1. A second viewer who plays and jumps ahead costs the origin ≤ 20 % of
//      the film, and the bytes at the seek points are exact.
//   2. A viewer who leaves after 10 s costs the origin no more than the same
//      viewer on the same page without the script tag (a returning visitor,
//      on a paced 20 Mbit/s origin, a 160 s film).
//   3. The service worker holds a bounded window of a stream in memory.
// Outside the default suite's include until the Range/streaming path meets
// these bounds (issue 14 §1–3); run with
//   npx vitest run --config test/e2e/pending/vitest.config.ts
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { publish } from '../../../src/cli/publish.js'
import { startServer, type RunningServer } from '../../../src/server/index.js'
import { FILM_PATH, LONG_FILM, makeVideoSite, metadataLoaded, pause, playUntil, seekTo, settled, type VideoSite } from '../../../bench/video-site.js'
import { attachSwMemory, sampleWhile } from '../../../bench/sw-memory.js'
import { launch, pageFetch, SCRIPT_TAG, sha256, waitControlled, waitForPeers, waitForSeed } from '../harness.js'
import { formatLog, logOrigin, type OriginLog } from './origin-log.js'

/** Issue 14 §6: the second viewer's origin cost, as a share of the film. */
const SECOND_VIEWER_MAX_SHARE = 0.2
/**
 * Issue 14 §1: "the SW holds at most a bounded window of any stream". A bound
 * that does not grow with the film: 4 MiB is 16 verification blocks of
 * 256 KiB, a third of this 12 MB film, and several times what one stream
 * needs in flight (a block being verified and one being handed on).
 */
const SW_STREAM_WINDOW_BYTES = 4 * 1024 * 1024
/**
 * The short viewers' link, paced per response like a 20 Mbit/s home
 * downlink (10x the film's bitrate). Unpaced on loopback, the origin's socket
 * takes megabytes before a client's cancel reaches it, so the origin's counter
 * measures kernel buffers rather than the viewer: the same viewer without
 * swarmcdn cost 12.0 to 19.8 MB of this 12 MB film from one run to the next.
 */
const SHORT_VIEWER_LINK_BYTES_PER_SEC = 2_500_000
/** Where the second viewer jumps, as a share of the film's duration. */
const SEEK_POINTS = [0.4, 0.75]
/** Media seconds watched after the start and after each jump. */
const WATCH_SECONDS = 2
/** Bytes compared at each seek point: one 256 KiB block. */
const EXACT_SPAN = 256 * 1024

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

interface Origin { server: RunningServer, log: OriginLog, film: () => number }
async function startOrigin (dir: string, bandwidthBytesPerSec?: number): Promise<Origin> {
  const server = await startServer({ dir, port: 0, quiet: true, ...(bandwidthBytesPerSec ? { bandwidthBytesPerSec } : {}) })
  const log = logOrigin(server.port)
  return { server, log, film: () => server.stats().origin.byPath[FILM_PATH]?.bytes ?? 0 }
}
async function stopOrigin (o: Origin | undefined): Promise<void> {
  o?.log.stop()
  await o?.server.close()
}

/** The player's requests for the film, as Chromium sent them (page side) and as the SW passed them on. */
function mediaRequests (context: BrowserContext): Array<{ by: 'page' | 'sw', range: string | null }> {
  const out: Array<{ by: 'page' | 'sw', range: string | null }> = []
  context.on('request', (r) => {
    if (new URL(r.url()).pathname !== FILM_PATH) return
    out.push({ by: r.serviceWorker() ? 'sw' : 'page', range: r.headers().range ?? null })
  })
  return out
}

/**
 * A viewer opening the watch page. `first visit`: a new visitor, whose first
 * page is not controlled by the SW when the player asks for the metadata.
 * `returning`: the SW is installed (a landing page earlier), so the player's
 * first request meets the SW while the engine is still starting.
 */
type Arrival = 'first visit' | 'returning'
async function arrive (base: string, arrival: Arrival, plain = false): Promise<{ context: BrowserContext, page: Page, requests: ReturnType<typeof mediaRequests>, errors: string[] }> {
  const context = await browser.newContext()
  // When the SW took the page over: at navigation, or on a first visit at claim().
  await context.addInitScript(() => {
    const w = window as unknown as { swarmcdnControlledAt: number | null }
    w.swarmcdnControlledAt = navigator.serviceWorker?.controller ? Date.now() : null
    navigator.serviceWorker?.addEventListener('controllerchange', () => { w.swarmcdnControlledAt ??= Date.now() })
  })
  const requests = mediaRequests(context)
  const page = await context.newPage()
  const errors: string[] = []
  page.on('pageerror', (e) => errors.push(e.message))
  const dir = plain ? 'plain/' : ''
  if (arrival === 'returning') {
    await page.goto(`${base}${dir}index.html`)
    if (!plain) await waitControlled(page)
  }
  await page.goto(`${base}${dir}watch.html`)
  await metadataLoaded(page)
  return { context, page, requests, errors }
}

const duration = (page: Page): Promise<number> => page.evaluate(() => (document.getElementById('film') as HTMLVideoElement).duration)

describe('a second viewer of a film, with a peer holding it', () => {
  let origin: Origin
  let seed: { context: BrowserContext, page: Page } | undefined

  beforeAll(async () => {
    origin = await startOrigin(site.dir)
    // The first viewer holds the whole film and stays. How it came to hold it
    // is not what is measured here: it loads it once through its SW.
    const context = await browser.newContext()
    const page = await context.newPage()
    await page.goto(`${origin.server.url}index.html`)
    await waitControlled(page)
    const got = await page.evaluate(async (path) => {
      const buf = await (await fetch(path)).arrayBuffer()
      const hash = new Uint8Array(await crypto.subtle.digest('SHA-256', buf))
      return { length: buf.byteLength, hash: Array.from(hash, (b) => b.toString(16).padStart(2, '0')).join('') }
    }, FILM_PATH)
    expect(got).toEqual({ length: site.film.length, hash: sha256(site.film) })
    await waitForSeed(page, 60_000)
    seed = { context, page }
  }, 120_000)
  afterAll(async () => {
    await seed?.context.close()
    await stopOrigin(origin)
  })

  /**
   * Arrives, waits for a peer, plays 2 s, jumps to 40 % and 75 % of the film
   * playing 2 s after each. Returns the origin bytes the viewer cost (the
   * origin's counter), the part of them that requests made before the SW
   * controlled the page took, and the player's requests.
   */
  const secondViewer = async (arrival: Arrival): Promise<{ cost: number, uncontrolled: number, starts: number[], page: Page, context: BrowserContext, errors: string[] }> => {
    const before = await settled(origin.film)
    const logFrom = origin.log.entries.length
    const v = await arrive(origin.server.url, arrival)
    let cost = 0
    let uncontrolled = 0
    try {
      await waitControlled(v.page)
      const controlledAt = await v.page.evaluate(() => (window as unknown as { swarmcdnControlledAt: number }).swarmcdnControlledAt)
      await waitForPeers(v.page)
      const d = await duration(v.page)
      try {
        await playUntil(v.page, WATCH_SECONDS)
        for (const share of SEEK_POINTS) {
          const at = await seekTo(v.page, d * share)
          await playUntil(v.page, at + WATCH_SECONDS)
        }
        await pause(v.page)
      } finally {
        // Printed whether or not the film played: the request sequence is the diagnosis.
        cost = await settled(origin.film) - before
        const seen = origin.log.since(logFrom, FILM_PATH)
        uncontrolled = seen.filter((e) => origin.log.startedAt + e.at < controlledAt).reduce((n, e) => n + e.socketBytes, 0)
        console.log(`second viewer (${arrival}): the origin sent ${cost} bytes of the film's ${site.film.length} (${(cost / site.film.length * 100).toFixed(1)} %), ` +
          `${uncontrolled} of them to requests made before the SW controlled the page\n` +
          `player requests: ${v.requests.map((r) => `${r.by} ${r.range ?? '(no Range)'}`).join('; ')}\norigin saw:\n${formatLog(seen)}`)
      }
    } catch (err) {
      await v.context.close()
      throw err
    }
    // Where the player read after each jump: its open-ended ranges past 0.
    const starts = [...new Set(v.requests.filter((r) => r.by === 'page' && r.range).map((r) => Number(/^bytes=(\d+)-/.exec(r.range!)?.[1] ?? 0)).filter((s) => s > 0))]
    return { cost, uncontrolled, starts, ...v }
  }

  /** The bytes at each of `starts`, fetched through the SW, are the film's. */
  const exactAt = async (page: Page, starts: number[]): Promise<void> => {
    expect(starts.length).toBeGreaterThanOrEqual(SEEK_POINTS.length)
    for (const start of starts) {
      const end = Math.min(site.film.length, start + EXACT_SPAN) - 1
      const r = await pageFetch(page, FILM_PATH, { Range: `bytes=${start}-${end}` })
      expect(r.status, `bytes=${start}-${end}`).toBe(206)
      expect(r.sha256, `bytes=${start}-${end}`).toBe(sha256(site.film.subarray(start, end + 1)))
    }
  }

  it(`returning visitor: plays, jumps ahead twice; the origin serves ≤ ${SECOND_VIEWER_MAX_SHARE * 100} % of the film, exact bytes at the seek points`, async () => {
    const v = await secondViewer('returning')
    try {
      await exactAt(v.page, v.starts)
      expect(v.errors).toEqual([])
      expect(v.cost / site.film.length).toBeLessThanOrEqual(SECOND_VIEWER_MAX_SHARE)
    } finally {
      await v.context.close()
    }
  }, 120_000)

  // A first visit's page is not controlled when the player asks for the
  // metadata: that request goes to the origin natively, out of the SW's
  // reach, as it would without swarmcdn. Everything after the SW took over
  // is swarmcdn's, and the film must keep playing across the hand-over.
  it(`first visit: keeps playing across the hand-over; after it the origin serves ≤ ${SECOND_VIEWER_MAX_SHARE * 100} % of the film, exact bytes at the seek points`, async () => {
    const v = await secondViewer('first visit')
    try {
      await exactAt(v.page, v.starts)
      expect(v.errors).toEqual([])
      expect((v.cost - v.uncontrolled) / site.film.length).toBeLessThanOrEqual(SECOND_VIEWER_MAX_SHARE)
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
    const v = await arrive(origin.server.url, arrival, plain)
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
