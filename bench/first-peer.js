// Time to first peer byte (DESIGN §4 environment facts: ~0.5 s measured on a
// prototype), on a first visit and on a repeat visit of the same visitor.
//
// Page start is the navigation's time origin. The page listens for the loader's
// `peers` event and, as soon as one peer is connected, fetches a small asset it
// does not hold yet; "first peer byte" is when the first byte of that response
// (X-SwarmCDN-Source: peer) reached the page. "First wire" is when the engine
// reported the connection.
import { fetchAllInPage, launch, makeSite, median, publishSite, serve, visit, waitControlled, waitForSeed } from './lib.js'

const SITE = {
  '/a.css': { kind: 'css', size: 4_000 },
  '/b.css': { kind: 'css', size: 4_000 },
  '/img/c.png': { kind: 'png', w: 100, h: 100 }
}
const REPS = 3
/**
 * Peer prefetch off: it would fetch the probed assets from peers into the
 * verified cache before the probe asks, and the probe must time a demand fetch.
 */
const TAG = '<script src="/swarmcdn.js" defer data-ice-servers="[]" data-prefetch-budget="0"></script>'

/** Installed before any page script: fetch `asset` the moment the first peer connects. */
function probe (asset) {
  window.__firstPeer = new Promise((resolve) => {
    document.addEventListener('DOMContentLoaded', () => {
      const s = window.swarmcdn
      if (!s) return resolve({ error: 'no window.swarmcdn' })
      let started = false
      s.addEventListener('peers', async (e) => {
        if (started || e.detail.peers < 1) return
        started = true
        const wire = performance.now()
        const res = await fetch(asset)
        const reader = res.body.getReader()
        await reader.read()
        const firstByte = performance.now()
        await reader.cancel()
        resolve({ wire, firstByte, source: res.headers.get('x-swarmcdn-source'), engineStartMs: (await s.stats()).engine?.startedAt - performance.timeOrigin })
      })
    })
  })
}

async function measure (page, asset, url) {
  await page.addInitScript(probe, asset)
  await page.goto(url)
  const r = await Promise.race([
    page.evaluate(() => window.__firstPeer),
    new Promise((resolve) => setTimeout(() => resolve({ error: 'no peer within 20 s' }), 20_000))
  ])
  if (r.error) throw new Error(r.error)
  if (r.source !== 'peer') throw new Error(`first byte came from ${r.source}`)
  return r
}

export async function firstPeer () {
  const site = await makeSite(SITE, 1, TAG)
  const browser = await launch()
  let origin
  const open = []
  try {
    await publishSite(site.dir)
    origin = await serve(site.dir)
    const seeder = await visit(browser, origin.url + 'index.html')
    open.push(seeder)
    await waitControlled(seeder.page)
    await fetchAllInPage(seeder.page, Object.keys(SITE))
    await waitForSeed(seeder.page)
    const first = []
    const repeat = []
    for (let i = 0; i < REPS; i++) {
      const context = await browser.newContext()
      try {
        const page = await context.newPage()
        first.push(await measure(page, '/a.css', origin.url + 'index.html'))
        await waitControlled(page)
        // Repeat visit: the SW is installed and controls the page from its first byte.
        const page2 = await context.newPage()
        await page.close()
        repeat.push(await measure(page2, '/b.css', origin.url + 'index.html'))
      } finally {
        await context.close()
      }
    }
    const sum = (rs) => ({
      firstWireMsMedian: median(rs.map((r) => r.wire)),
      firstPeerByteMsMedian: median(rs.map((r) => r.firstByte)),
      engineStartMsMedian: median(rs.map((r) => r.engineStartMs)),
      runs: rs.map((r) => ({ wire: Math.round(r.wire), firstByte: Math.round(r.firstByte), engineStart: Math.round(r.engineStartMs) }))
    })
    return { firstVisit: sum(first), repeatVisit: sum(repeat) }
  } finally {
    for (const v of open) await v.context.close().catch(() => {})
    await origin?.close()
    await browser.close()
    await site.cleanup()
  }
}
