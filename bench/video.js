// Video (DESIGN §4, issue 14 §7): a real H.264 film in `<video preload="metadata">`
// in headless Chromium, against the origin's own per-path counter.
// - second viewer: one viewer holds the whole film and stays; the next one
//   arrives, waits for a peer, plays 2 s, jumps to 40 % and 75 % of the film
//   and plays 2 s after each. Origin bytes ÷ film size; goal ≤ 0.1.
// - short viewer, nobody else watching, on a 20 Mbit/s link (the origin
//   paces each response): plays 10 s of a 160 s film and leaves for another
//   page. Origin bytes with swarmcdn ÷ the same viewer on the same page
//   without the script tag; goal ≤ 1.0.
// Each viewer is measured both as a returning visitor (the SW installed by an
// earlier page, so the player's first request meets the SW while the engine
// starts) and as a first visit (the page is not controlled when the player
// asks for the metadata, so that request goes to the origin natively). The
// second viewer on a first visit presses play once the page has handed its
// player over to the SW (a peer holds the film: src/engine/players.ts
// reloads the player nobody started); the origin's counter includes the
// native metadata request.
import { launch, publishSite, SCRIPT_TAG, serve, waitControlled, waitForPeers, waitForSeed } from './lib.js'
import { FILM, FILM_PATH, LONG_FILM, makeVideoSite, metadataLoaded, pause, playUntil, seekTo, settled } from './video-site.js'

const SEEK_POINTS = [0.4, 0.75]
const WATCH_SECONDS = 2
const SHORT_VIEW_SECONDS = 10
/** Short-viewer runs per arrival, each with and without swarmcdn (odd: a median is one run). */
const SHORT_VIEW_PAIRS = 3
/**
 * The short viewer's link: 20 Mbit/s, 10x the film's bitrate. Unpaced on
 * loopback the origin's sockets take megabytes before a cancel reaches them,
 * and the figure would measure kernel buffers rather than the viewer.
 */
const SHORT_VIEWER_LINK_BYTES_PER_SEC = 2_500_000

export const VIDEO_DEFINITION = `film: ${FILM.seconds} s H.264 at ${FILM.kbps} kbit/s in <video preload="metadata">; ` +
  `second viewer: a peer holds the whole film, the viewer waits for it, plays ${WATCH_SECONDS} s, jumps to ${SEEK_POINTS.map((s) => `${s * 100} %`).join(' and ')} playing ${WATCH_SECONDS} s after each; ` +
  `short viewer: a ${LONG_FILM.seconds} s film, nobody else watching, a ${SHORT_VIEWER_LINK_BYTES_PER_SEC * 8 / 1e6} Mbit/s link, plays ${SHORT_VIEW_SECONDS} s and leaves for another page; returning = the SW was installed by an earlier page`

/** Opens the watch page as a returning visitor or a first visit; resolves once the player has the metadata. */
async function arrive (browser, base, arrival, plain = false) {
  const context = await browser.newContext()
  // A player reloaded after the SW took over: the first visit's hand-over.
  await context.addInitScript(() => {
    window.swarmcdnReloadedAt = null
    document.addEventListener('emptied', () => { if (navigator.serviceWorker?.controller) window.swarmcdnReloadedAt ??= Date.now() }, true)
  })
  const page = await context.newPage()
  const dir = plain ? 'plain/' : ''
  if (arrival === 'returning') {
    await page.goto(`${base}${dir}index.html`)
    if (!plain) await waitControlled(page)
  }
  await page.goto(`${base}${dir}watch.html`)
  await metadataLoaded(page)
  return { context, page }
}

export async function video () {
  const site = await makeVideoSite(SCRIPT_TAG)
  const browser = await launch()
  const size = site.film.length
  const out = { definition: VIDEO_DEFINITION, filmBytes: size, secondViewer: {}, shortViewer: {} }
  try {
    await publishSite(site.dir)

    // ── second viewer ──────────────────────────────────────────────────────
    {
      const origin = await serve(site.dir)
      const film = async () => (await origin.stats()).origin.byPath[FILM_PATH]?.bytes ?? 0
      const seed = await browser.newContext()
      try {
        const page = await seed.newPage()
        await page.goto(`${origin.url}index.html`)
        await waitControlled(page)
        const n = await page.evaluate(async (p) => (await (await fetch(p)).arrayBuffer()).byteLength, FILM_PATH)
        if (n !== size) throw new Error(`seed got ${n} bytes of the film, expected ${size}`)
        await waitForSeed(page)
        for (const arrival of ['returning', 'first visit']) {
          const before = await settled(film)
          const v = await arrive(browser, origin.url, arrival)
          try {
            await waitControlled(v.page)
            await waitForPeers(v.page)
            if (arrival === 'first visit') {
              await v.page.waitForFunction(() => window.swarmcdnReloadedAt !== null, undefined, { timeout: 20_000 })
              await metadataLoaded(v.page)
            }
            const d = await v.page.evaluate(() => document.getElementById('film').duration)
            await playUntil(v.page, WATCH_SECONDS)
            for (const share of SEEK_POINTS) await playUntil(v.page, (await seekTo(v.page, d * share)) + WATCH_SECONDS)
            await pause(v.page)
            const bytes = await settled(film) - before
            out.secondViewer[arrival] = { originBytes: bytes, ratio: bytes / size }
          } catch (err) {
            out.secondViewer[arrival] = { error: err instanceof Error ? err.message.split('\n')[0] : String(err), originBytes: await settled(film) - before }
          } finally {
            await v.context.close()
          }
        }
      } finally {
        await seed.close()
        await origin.close()
      }
    }

    // ── short viewer, nobody else watching ────────────────────────────────
    {
      const long = await makeVideoSite(SCRIPT_TAG, LONG_FILM)
      out.longFilmBytes = long.film.length
      await publishSite(long.dir)
      const origin = await serve(long.dir, { bandwidth: SHORT_VIEWER_LINK_BYTES_PER_SEC })
      const film = async () => (await origin.stats()).origin.byPath[FILM_PATH]?.bytes ?? 0
      // Leaving is a navigation, not a closed browser: the service worker
      // lives on, as it does when a visitor closes one tab, so whatever it
      // keeps downloading is counted.
      // A player that fails still cost what it cost: the bytes are kept with the error.
      const viewer = async (arrival, plain) => {
        const before = await settled(film)
        const v = await arrive(browser, origin.url, arrival, plain)
        let error
        try {
          await playUntil(v.page, SHORT_VIEW_SECONDS)
        } catch (err) {
          error = err instanceof Error ? err.message.split('\n')[0] : String(err)
        }
        try {
          await v.page.goto('about:blank')
          return { bytes: await settled(film) - before, error }
        } finally {
          await v.context.close()
        }
      }
      try {
        for (const arrival of ['returning', 'first visit']) {
          // Paired runs, alternated: one viewer's bytes move with Chromium's
          // own read-ahead timing (0.8x to 1.4x between two plain runs), so
          // the figure is the ratio of the medians.
          const pairs = []
          for (let i = 0; i < SHORT_VIEW_PAIRS; i++) {
            const without = await viewer(arrival, true)
            const withSwarm = await viewer(arrival, false)
            pairs.push({ without: without.bytes, with: withSwarm.bytes, error: withSwarm.error ?? (without.error ? `without swarmcdn: ${without.error}` : undefined) })
          }
          const med = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
          const withMedian = med(pairs.map((p) => p.with))
          const withoutMedian = med(pairs.map((p) => p.without))
          const error = pairs.find((p) => p.error)?.error
          out.shortViewer[arrival] = {
            originBytesWith: withMedian,
            originBytesWithout: withoutMedian,
            ratio: withMedian / withoutMedian,
            pairs: pairs.map((p) => ({ with: p.with, without: p.without, ratio: Math.round(p.with / p.without * 100) / 100 })),
            ...(error ? { error } : {})
          }
        }
      } finally {
        await origin.close()
        await long.cleanup()
      }
    }
  } finally {
    await browser.close()
    await site.cleanup()
  }
  return out
}
