#!/usr/bin/env node
// Sends headless Chromium visitors to the demo site, one after another, so
// the dashboard fills with real peer traffic on one machine:
//
//   npm run demo:visitors -- [--count 6] [--url http://127.0.0.1:8080/] [--stay 5]
//
// Each visitor is a fresh browser context (empty caches: a new person). It
// browses the shop (gallery, film with a seek; every other visitor also takes
// the downloads), then stays --stay seconds after the next visitor arrives,
// seeding, before it leaves. So visitors overlap and each newcomer finds peers.
import { parseArgs } from 'node:util'
import { browseShop, launch } from './demo-browser.mjs'

const { values } = parseArgs({
  options: {
    count: { type: 'string', default: '6' },
    url: { type: 'string', default: 'http://127.0.0.1:8080/' },
    stay: { type: 'string', default: '5' },
    help: { type: 'boolean', short: 'h', default: false }
  }
})
if (values.help) {
  console.log('usage: npm run demo:visitors -- [--count 6] [--url http://127.0.0.1:8080/] [--stay 5]')
  process.exit(0)
}
const count = Number(values.count)
const stayMs = Number(values.stay) * 1000
if (!Number.isInteger(count) || count < 1 || !Number.isFinite(stayMs) || stayMs < 0) {
  console.error('--count must be a positive integer and --stay a number of seconds')
  process.exit(2)
}
const base = new URL(values.url)

const mb = (n) => `${(n / 1e6).toFixed(1)} MB`.padStart(8)
async function swarmStats () {
  try {
    const res = await fetch(new URL('/swarmcdn/stats', base))
    return res.ok ? await res.json() : null
  } catch { return null }
}

if (!(await swarmStats())) {
  console.error(`no swarmcdn server answers at ${base.href} (start it with: npm run demo)`)
  process.exit(1)
}

const browser = await launch()
let stopping = false
const leaving = []
process.on('SIGINT', () => { stopping = true })

console.log(`${count} visitors → ${base.href} (each stays ${stayMs / 1000} s after the next one arrives)`)
console.log('visitor   from peers  from origin  from cache  peers  (service worker counters: the second page view on)')
const started = Date.now()
const before = await swarmStats()
let fromPeers = 0
let uploaded = 0
for (let i = 0; i < count && !stopping; i++) {
  let visit
  try {
    visit = await browseShop(browser, base.href, { download: i % 2 === 1, userAgent: `${await browser.version()} demo-visitor/${i + 1}` })
  } catch (err) {
    console.error(`visitor ${i + 1}: ${err instanceof Error ? err.message : String(err)}`)
    continue
  }
  const s = visit.stats
  console.log(`${String(i + 1).padStart(7)}   ${mb(s.bytesFromPeers)}    ${mb(s.bytesFromOrigin)}   ${mb(s.bytesFromCache)}  ${String(s.peers).padStart(5)}`)
  // Bytes this visitor's engine took from peers (verified), whether handed to a page at once or kept for its next page.
  fromPeers += s.engine?.bytesDownloaded ?? s.bytesFromPeers
  // The previous visitor leaves `stay` seconds after this one has browsed: overlap.
  const prev = leaving.at(-1)
  if (prev) setTimeout(() => { void prev.close() }, stayMs)
  const n = i + 1
  let closed = false
  leaving.push({
    close: async () => {
      if (closed) return
      closed = true
      const up = await visit.page.evaluate(() => window.swarmcdn.stats()).then((x) => x.bytesUploaded, () => null)
      if (up !== null) uploaded += up
      if (up !== null) console.log(`        visitor ${n} leaves, having uploaded ${mb(up).trim()} to others`)
      await visit.context.close().catch(() => {})
    }
  })
}
await new Promise((resolve) => setTimeout(resolve, stayMs))
for (const v of leaving) await v.close()
await browser.close()

const s = await swarmStats()
if (s) {
  console.log(`done in ${((Date.now() - started) / 1000).toFixed(0)} s · origin has sent ${mb(s.origin.bytesServed).trim()} in all · peers online now ${s.tracker.peers}`)
  // The dashboard's offload, for this run: bytes pages got from peers (each visitor's own
  // counter) ÷ those plus what the origin sent for the manifest's assets (its own counter),
  // every asset and the film included. A browser-cache hit is in neither.
  const manifest = await (await fetch(new URL('/swarmcdn.json', base))).json()
  const assetBytes = (st) => Object.keys(manifest.assets).reduce((n, p) => n + (st?.origin.byPath[p]?.bytes ?? 0), 0)
  const originAssets = assetBytes(s) - assetBytes(before)
  // Cross-checked as the origin does with reports: only bytes both sides account for.
  const confirmed = Math.min(fromPeers, uploaded)
  const offload = confirmed + originAssets > 0 ? confirmed / (confirmed + originAssets) : 0
  console.log(`peers: ${mb(fromPeers).trim()} downloaded, ${mb(uploaded).trim()} uploaded; confirmed ${mb(confirmed).trim()}`)
  console.log(`offload this run: ${(offload * 100).toFixed(1)} % = ${mb(confirmed).trim()} from peers ÷ (that + ${mb(originAssets).trim()} of assets from the origin)`)
}
console.log(`dashboard: ${new URL('/dashboard.html', base).href}`)
