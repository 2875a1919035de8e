// What a visitor does in the emulated network, and what is measured of it.
import { createHash } from 'node:crypto'

const POLL_MS = 50

async function poll (page, test, what, timeout) {
  const start = Date.now()
  for (;;) {
    const s = await page.evaluate(() => window.swarmcdn.stats())
    if (test(s)) return s
    if (Date.now() - start > timeout) throw new Error(`${what} not reached after ${timeout} ms: ${JSON.stringify({ peers: s.peers, engine: s.engine })}`)
    await page.waitForTimeout(POLL_MS)
  }
}

export const waitForEngine = (page, timeout = 30_000) => poll(page, (s) => s.engine?.running === true, 'engine running', timeout)
export const waitForPeers = (page, n = 1, timeout = 30_000) => poll(page, (s) => s.peers >= n, `${n} peer(s)`, timeout)
export const waitForSeed = (page, timeout = 60_000) => poll(page, (s) => s.engine && s.engine.piecesTotal > 0 && s.engine.piecesHeld === s.engine.piecesTotal, 'full seed', timeout)

export async function waitControlled (page, timeout = 30_000) {
  await page.waitForFunction(() => Boolean(navigator.serviceWorker.controller), undefined, { timeout })
}

/**
 * A seeding visitor: opens `<base><variant>/index.html`, fetches every asset
 * through the service worker (so it holds and seeds them) and waits until its
 * engine holds every piece. Keep `context` open while it should seed.
 */
export async function seed (browser, base, variant, paths) {
  const context = await browser.newContext()
  const page = await context.newPage()
  await page.goto(`${base}${variant}/index.html`)
  await waitControlled(page)
  await page.evaluate(async (paths) => { for (const p of paths) await (await fetch(p)).arrayBuffer() }, paths)
  await waitForSeed(page)
  return { context, page }
}

/** The asset page's load event and where its bytes came from. */
function readLoad (page, paths) {
  return page.evaluate(async (paths) => {
    const nav = performance.getEntriesByType('navigation')[0]
    // Each asset's response end (ms after navigation start): which one held the load event back.
    const ends = {}
    // Each asset's Resource Timing (start, first byte, end) and, with
    // swarmcdn, the SW's delivery (bytes by source, why a peer was not used).
    const timing = {}
    for (const e of performance.getEntriesByType('resource')) {
      const p = new URL(e.name).pathname
      if (!paths.includes(p)) continue
      ends[p] = Math.round(e.responseEnd)
      timing[p] = { start: Math.round(e.startTime), firstByte: Math.round(e.responseStart), end: Math.round(e.responseEnd) }
    }
    const out = { load: nav.loadEventStart, ends, timing, assets: {}, deliveries: {}, bytesFromPeers: 0, bytesFromOrigin: 0 }
    if (window.swarmcdn) {
      // A streamed answer's delivery is recorded once its units are stored, after the load event.
      let s = await window.swarmcdn.stats()
      for (let i = 0; i < 40 && !paths.every((p) => s.assets?.[p]); i++) {
        await new Promise((resolve) => setTimeout(resolve, 50))
        s = await window.swarmcdn.stats()
      }
      for (const p of paths) out.assets[p] = s.assets?.[p]?.source ?? null
      for (const p of paths) out.deliveries[p] = s.assets?.[p] ?? null
      out.bytesFromPeers = s.bytesFromPeers
      out.bytesFromOrigin = s.bytesFromOrigin
      out.peers = s.peers
    }
    return out
  }, paths)
}

/**
 * Fetches each asset in turn in `page` (through the service worker when one
 * controls it): its X-SwarmCDN-Source and the SHA-256 (hex) of its bytes.
 */
export async function fetchEach (page, paths) {
  const got = await page.evaluate(async (paths) => {
    const out = {}
    for (const p of paths) {
      const res = await fetch(p)
      const buf = new Uint8Array(await res.arrayBuffer())
      let s = ''
      for (let i = 0; i < buf.length; i += 0x8000) s += String.fromCharCode(...buf.subarray(i, i + 0x8000))
      out[p] = { source: res.headers.get('x-swarmcdn-source'), b64: btoa(s) }
    }
    return out
  }, paths)
  return Object.fromEntries(Object.entries(got).map(([p, g]) => [p, { source: g.source, sha256: createHash('sha256').update(Buffer.from(g.b64, 'base64')).digest('hex') }]))
}

/** SHA-256 (hex) of each asset as the page gets it now. */
export async function assetHashes (page, paths) {
  return Object.fromEntries(Object.entries(await fetchEach(page, paths)).map(([p, g]) => [p, g.sha256]))
}

/** How long a visitor reads the landing page before opening the asset page. */
export const LANDING_DWELL_MS = 1500

/**
 * One page view of the asset page by a new visitor (fresh profile), the way
 * bench/pageload.js's tab variants do it: the landing page first, kept open
 * (the leader tab, whose engine stays up), then the asset page in a second
 * tab. `variant` 'plain' is the origin-only baseline: the same pages without
 * the script tag. With `needPeers`, the asset page opens only once the engine
 * has a peer. Resolves { load, assets, bytesFromPeers, bytesFromOrigin, hashes }.
 */
export async function pageView (browser, base, variant, paths, { needPeers = false, dwellMs = LANDING_DWELL_MS, peerTimeoutMs = 30_000 } = {}) {
  const context = await browser.newContext()
  try {
    const landing = await context.newPage()
    await landing.goto(`${base}${variant}/index.html`)
    let peerMs = null
    if (variant !== 'plain') {
      await waitControlled(landing)
      await waitForEngine(landing)
      if (needPeers) {
        await waitForPeers(landing, 1, peerTimeoutMs)
        peerMs = await landing.evaluate(() => performance.now())
      }
    }
    await landing.waitForTimeout(dwellMs)
    const page = await context.newPage()
    await page.goto(`${base}${variant}/page.html`, { waitUntil: 'load' })
    const r = await readLoad(page, paths)
    return { ...r, peerMs, hashes: await assetHashes(page, paths) }
  } finally {
    await context.close()
  }
}

/**
 * Installed before any page script: the time (ms after navigation start) of
 * the loader's first `peers` event with at least one peer.
 */
function firstPeerProbe () {
  window.__firstPeer = new Promise((resolve) => {
    document.addEventListener('DOMContentLoaded', () => {
      const s = window.swarmcdn
      if (!s) return resolve({ error: 'no window.swarmcdn' })
      s.addEventListener('peers', (e) => {
        if (e.detail.peers >= 1) resolve({ ms: performance.now() })
      })
    })
  })
}

/**
 * A new visitor opens `url`: ms from navigation start to its first connected
 * peer, and when its engine started; null `ms` if none within `timeoutMs`.
 */
export async function firstPeer (browser, url, timeoutMs = 15_000) {
  const context = await browser.newContext()
  try {
    const page = await context.newPage()
    await page.addInitScript(firstPeerProbe)
    await page.goto(url)
    const r = await Promise.race([
      page.evaluate(() => window.__firstPeer),
      new Promise((resolve) => setTimeout(() => resolve({ ms: null }), timeoutMs))
    ])
    if (r.error) throw new Error(r.error)
    const engineStartMs = await page.evaluate(async () => {
      const started = (await window.swarmcdn.stats()).engine?.startedAt
      return typeof started === 'number' ? started - performance.timeOrigin : null
    })
    return { ms: r.ms, engineStartMs }
  } finally {
    await context.close()
  }
}

/**
 * `reps` page views of the same pages without swarmcdn (`plain`) and with it
 * (`variant`), alternated so drift on a shared machine hits both alike, and
 * the median load of each. `opts` go to the swarmcdn views (pageView), but
 * `opts.origin`, which makes each view report `originAssetBytes`.
 */
export async function alternatedViews (browser, base, variant, paths, reps, opts = {}) {
  const { origin, ...viewOpts } = opts
  const plain = []
  const swarm = []
  // With `origin` (startOrigin's handle), each view also reports the asset
  // bytes the origin sent for it, by its own counter: a swarmcdn view's
  // excess over the bytes its page took from the origin is what hedging sent twice.
  const counted = async (view) => {
    if (!origin) return await view()
    await origin.reset()
    const v = await view()
    const s = await origin.stats()
    return { ...v, originAssetBytes: paths.reduce((n, p) => n + (s.origin.byPath[p]?.bytes ?? 0), 0) }
  }
  for (let i = 0; i < reps; i++) {
    plain.push(await counted(() => pageView(browser, base, 'plain', paths)))
    swarm.push(await counted(() => pageView(browser, base, variant, paths, viewOpts)))
  }
  return { plain, swarm, plainMs: median(plain.map((v) => v.load)), swarmMs: median(swarm.map((v) => v.load)) }
}

export function median (xs) {
  const s = [...xs].sort((a, b) => a - b)
  const m = (s.length - 1) / 2
  return (s[Math.floor(m)] + s[Math.ceil(m)]) / 2
}
