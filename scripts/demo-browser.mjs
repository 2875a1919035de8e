// Headless Chromium visitors for the demo site, shared by
// `npm run demo:visitors` and the dashboard's end-to-end test. Chromium is
// found and started exactly as test/e2e/harness.ts `launch()` does.
import { launchChromium } from './chromium.mjs'

export { chromiumPath, CHROMIUM_ARGS } from './chromium.mjs'

export function launch () {
  // Headless visitors "watch" the film muted, without a user gesture.
  return launchChromium(['--autoplay-policy=no-user-gesture-required'])
}

const FILM = '/media/aurora.mp4'
/** The shop's Downloads section, in page order. */
const DOWNLOADS = ['/media/aurora-spec-sheet.pdf', '/media/aurora-press-kit.zip', FILM]

/**
 * One new visitor (a fresh browser context: empty caches, no service worker)
 * browsing the shop like a person: lands on the product page (its gallery and
 * film load at once, as on any site, from the origin: a first page is never
 * controlled by the service worker), reads for a few seconds, views the page
 * again (its second page view), waits for the gallery, plays the film and jumps ahead in it, and maybe downloads the press
 * kit. Returns with the visitor still on the page (still seeding) and what
 * it saw; the caller closes `context` when the visitor should leave.
 */
export async function browseShop (browser, baseUrl, opts = {}) {
  const { download = false, seekTo = 15, timeoutMs = 45_000, secondPageAfterMs = 3000 } = opts
  // A person's own browser: its User-Agent tells visitors apart in the access log (they share 127.0.0.1 here).
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, ...(opts.userAgent ? { userAgent: opts.userAgent } : {}) })
  const page = await context.newPage()
  const errors = []
  const film = []
  page.on('pageerror', (e) => errors.push(e.message))
  page.on('response', (r) => {
    if (new URL(r.url()).pathname !== FILM) return
    const h = r.headers()
    film.push({ status: r.status(), source: h['x-swarmcdn-source'] ?? null, range: h['content-range'] ?? null, fromServiceWorker: r.fromServiceWorker() })
  })
  await page.goto(new URL('/', baseUrl).href)
  await page.waitForSelector('#gallery-grid[data-state="loaded"]', { timeout: timeoutMs })
  // Controlled by now only if the worker claimed the page after its parse: its media already went to the origin.
  const landing = await page.evaluate(() => Boolean(navigator.serviceWorker.controller))
  // A visitor reads on: the second page view (here the shop again) is the first one the
  // service worker controls, and its engine has had the first page's time to find peers.
  await page.evaluate(() => window.swarmcdn.ready)
  await page.waitForTimeout(secondPageAfterMs)
  film.length = 0 // what follows is the second page view's
  await page.reload()
  await page.waitForSelector('#gallery-grid[data-state="loaded"]', { timeout: timeoutMs })
  const controlled = { landing, second: await page.evaluate(() => Boolean(navigator.serviceWorker.controller)) }
  const video = await page.evaluate(async (seekTo) => {
    const v = document.getElementById('film-video')
    const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))
    v.muted = true
    await v.play()
    await sleep(1200)
    const before = v.currentTime
    await new Promise((resolve) => { v.addEventListener('seeked', resolve, { once: true }); v.currentTime = seekTo })
    await sleep(800)
    const after = v.currentTime
    v.pause()
    return { before, after, readyState: v.readyState, error: v.error ? v.error.code : null }
  }, seekTo)
  let downloaded = 0
  if (download) {
    // What the Download links do, done from the page so the bytes go through
    // the service worker as they would on a controlled page. A whole download
    // is also what makes the film seedable: players fetch it by Range, and
    // partial responses are not kept.
    downloaded = await page.evaluate(async (paths) => {
      let n = 0
      for (const p of paths) n += (await (await fetch(p)).arrayBuffer()).byteLength
      return n
    }, DOWNLOADS)
  }
  const stats = await page.evaluate(() => window.swarmcdn.stats())
  return { context, page, errors, film, video, controlled, downloaded, stats }
}
