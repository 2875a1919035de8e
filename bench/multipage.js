// Multi-page browse with churn (DESIGN §4): a 3-page site whose pages ask for
// their assets while parsing (img/link/script tags) and from their own scripts
// (fetch() of JSON, new Image()); pages link 1 → 2 → 3. N visitors, each a
// fresh browser context, browse page 1 → 2 → 3 with DWELL_MS on each; each
// visitor leaves (context closed) once the visitor after next has arrived.
// Offload of pages 2–3 from the origin's own per-path counter.
// The same scenario as test/e2e/multipage.test.ts, as a measured figure.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { deflateSync } from 'node:zlib'
import { assetBytes, bytes, launch, median, publishSite, serve } from './lib.js'

const N = 6
/** "A few seconds" on each page. */
const DWELL_MS = 3000

export const MULTIPAGE_DEFINITION = `N = ${N} visitors, each a fresh context, open page 1 and browse 1 → 2 → 3 by clicking links, ${DWELL_MS / 1000} s on each page; visitor k's context is closed right after visitor k+2 has arrived (its page 1 loaded); offload = 1 − origin bytes of the page-2/3 assets page 1 does not use / (N × their bytes)`

// ── a valid PNG of an exact size (port of test/e2e/fixtures.ts `png()`) ──────

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
  return c >>> 0
})

function crc32 (buf) {
  let c = 0xffffffff
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8)
  return (c ^ 0xffffffff) >>> 0
}

function chunk (type, data) {
  const len = Buffer.alloc(4)
  len.writeUInt32BE(data.length)
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data])
  const crc = Buffer.alloc(4)
  crc.writeUInt32BE(crc32(body))
  return Buffer.concat([len, body, crc])
}

/**
 * A valid 8×8 PNG of exactly `size` bytes: the padding is a private ancillary
 * chunk ("swRm": lowercase first letter, decoders skip it) of seeded bytes.
 */
function png (size, seed) {
  const ihdr = Buffer.alloc(13)
  ihdr.writeUInt32BE(8, 0)
  ihdr.writeUInt32BE(8, 4)
  ihdr[8] = 8 // bit depth
  ihdr[9] = 2 // truecolour
  const raw = Buffer.alloc(8 * (1 + 8 * 3))
  for (let y = 0; y < 8; y++) for (let x = 0; x < 24; x++) raw[y * 25 + 1 + x] = (seed * 37 + x * 11 + y * 5) & 0xff
  const head = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr)])
  const tail = Buffer.concat([chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))])
  const pad = size - head.length - tail.length - 12
  if (pad < 0) throw new Error(`png too small: ${size}`)
  return Buffer.concat([head, chunk('swRm', bytes(pad, `png-${seed}`)), tail])
}

// ── the site ────────────────────────────────────────────────────────────────

const head = (title) =>
  `<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>${title}</title>` +
  '<link rel="stylesheet" href="/css/site.css"><script src="/swarmcdn.js" defer data-ice-servers="[]"></script></head>'

/** Parse-time assets per page (tags); script-time assets are requested by each page's own script. */
const PAGES = {
  '/index.html': { title: 'Home', images: ['/img/hero.png'], script: '/js/home.js', scriptFetches: ['/data/home.json'], links: ['/page2.html', '/page3.html'] },
  '/page2.html': { title: 'Gallery', images: ['/img/g1.png', '/img/g2.png', '/img/g3.png'], script: '/js/gallery.js', scriptFetches: ['/data/gallery.json', '/img/g-lazy.png'], links: ['/page3.html', '/index.html'] },
  '/page3.html': { title: 'Product', images: ['/img/p1.png', '/img/p2.png'], script: '/js/product.js', scriptFetches: ['/data/product.json', '/img/p-zoom.png'], links: ['/index.html'] }
}

const IMAGE_SIZES = {
  '/img/hero.png': 400_000,
  '/img/g1.png': 500_000,
  '/img/g2.png': 300_000,
  '/img/g3.png': 250_000,
  '/img/g-lazy.png': 350_000,
  '/img/p1.png': 600_000,
  '/img/p2.png': 200_000,
  '/img/p-zoom.png': 700_000
}

/** Writes the site into a fresh temp folder; returns { dir, sizes (asset path → bytes), cleanup }. */
async function buildSite () {
  const dir = await mkdtemp(join(tmpdir(), 'swarmcdn-bench-mp-'))
  const sizes = {}
  const put = async (path, data) => {
    await mkdir(dirname(join(dir, path)), { recursive: true })
    await writeFile(join(dir, path), data)
    if (!path.endsWith('.html')) sizes[path] = Buffer.byteLength(data)
  }
  let seed = 100
  for (const [path, size] of Object.entries(IMAGE_SIZES)) await put(path, png(size, seed++))
  await put('/css/site.css', 'body{font-family:sans-serif}img{width:64px;height:64px}' + '/*' + 'x'.repeat(8000) + '*/')
  for (const [page, p] of Object.entries(PAGES)) {
    const fetches = p.scriptFetches.map((u) => u.endsWith('.json')
      ? `fetch(${JSON.stringify(u)}).then(r=>r.json()).then(j=>{document.title+=' '+j.n})`
      : `(()=>{const i=new Image();i.src=${JSON.stringify(u)};document.body.append(i)})()`).join(';')
    await put(p.script, `// ${p.title}\n${fetches};\n/*${bytes(30_000, `mp-${seed++}`).toString('base64')}*/\n`)
    for (const u of p.scriptFetches.filter((x) => x.endsWith('.json'))) await put(u, JSON.stringify({ n: u.length, pad: bytes(20_000, `mp-${seed++}`).toString('base64') }))
    const body = `<body><h1>${p.title}</h1>${p.images.map((i) => `<img src="${i}">`).join('')}` +
      `<nav>${p.links.map((l) => `<a href="${l}">${l}</a>`).join(' ')}</nav><script src="${p.script}"></script></body></html>`
    await put(page, head(p.title) + body)
  }
  return { dir, sizes, cleanup: () => rm(dir, { recursive: true, force: true }) }
}

const assetsOf = (pages) => new Set(pages.flatMap((p) => [...PAGES[p].images, PAGES[p].script, ...PAGES[p].scriptFetches, '/css/site.css']))

/** The page-1 engine's timeline, in ms after the page's navigation start (null: not (yet) happened). */
function engineTimeline (page) {
  return page.evaluate(async () => {
    const s = await window.swarmcdn.stats()
    const e = s.engine
    const rel = (t) => (typeof t === 'number' ? t - performance.timeOrigin : null)
    return {
      peers: s.peers,
      engine: Boolean(e),
      startedMs: rel(e?.startedAt),
      firstPeerMs: rel(e?.firstPeerAt),
      prefetchFinishedMs: rel(e?.prefetch?.finishedAt),
      prefetch: e?.prefetch ?? null
    }
  })
}

export async function multipage () {
  const site = await buildSite()
  const browser = await launch()
  const p1 = assetsOf(['/index.html'])
  const p23 = [...assetsOf(['/page2.html', '/page3.html'])].filter((a) => !p1.has(a))
  const p23Bytes = p23.reduce((n, a) => n + site.sizes[a], 0)
  const visitors = []
  const open = []
  let origin
  try {
    await publishSite(site.dir)
    origin = await serve(site.dir)
    await origin.reset()
    const seenReq = {}
    for (let k = 0; k < N; k++) {
      const context = await browser.newContext()
      const page = await context.newPage()
      const errors = []
      page.on('pageerror', (e) => errors.push(e.message))
      page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()) })
      await page.goto(origin.url + 'index.html')
      open.push({ context })
      // Churn: the visitor before last leaves once this one has arrived.
      if (open.length > 2) await open.shift().context.close()
      await page.waitForTimeout(DWELL_MS)
      const page1Engine = await engineTimeline(page)
      const loads = {}
      for (const next of ['/page2.html', '/page3.html']) {
        await page.click(`nav a[href="${next}"]`)
        await page.waitForLoadState('load')
        loads[next] = await page.evaluate(() => performance.getEntriesByType('navigation')[0]?.loadEventStart ?? null)
        await page.waitForTimeout(DWELL_MS)
      }
      const s = await page.evaluate(() => window.swarmcdn.stats()).catch(() => null)
      const byPath = (await origin.stats()).origin.byPath
      const fromOrigin = p23.filter((a) => (byPath[a]?.requests ?? 0) > (seenReq[a] ?? 0))
      for (const a of p23) seenReq[a] = byPath[a]?.requests ?? 0
      visitors.push({
        visitor: k,
        page1Engine,
        loadMs: Object.fromEntries(Object.entries(loads).map(([p, t]) => [p, t === null ? null : Math.round(t)])),
        page23AssetsFromOrigin: fromOrigin,
        // The page-3 view's own counters (this page only).
        page3Stats: s && { peers: s.peers, bytesFromOrigin: s.bytesFromOrigin, bytesFromCache: s.bytesFromCache, bytesFromPeers: s.bytesFromPeers, bytesPrefetched: s.bytesPrefetched },
        errors
      })
    }
    const st = await origin.stats()
    const originP23 = assetBytes(st, p23)
    const offload = 1 - originP23 / (N * p23Bytes)
    const ceiling = (N - 1) / N
    const later = visitors.slice(1).map((v) => v.page1Engine)
    const got = (key) => later.map((e) => e[key]).filter((x) => typeof x === 'number')
    return {
      definition: MULTIPAGE_DEFINITION,
      n: N,
      dwellMs: DWELL_MS,
      page23Assets: p23,
      page23AssetBytes: p23Bytes,
      assetBytesDemanded: N * p23Bytes,
      assetBytesFromOrigin: originP23,
      offload,
      ceiling,
      ratioToCeiling: offload / ceiling,
      goal: 0.9,
      // Visitors after the first, page-1 engine, ms after page 1's navigation start.
      page1EngineLaterVisitors: {
        startedMsMedian: median(got('startedMs')),
        firstPeerMsMedian: median(got('firstPeerMs')),
        prefetchFinishedMsMedian: median(got('prefetchFinishedMs')),
        withPeer: got('firstPeerMs').length,
        prefetchFinished: got('prefetchFinishedMs').length,
        of: later.length
      },
      pageErrors: visitors.reduce((n, v) => n + v.errors.length, 0),
      visitors
    }
  } finally {
    for (const v of open) await v.context.close().catch(() => {})
    await browser.close()
    await origin?.close()
    await site.cleanup()
  }
}
