// The 3-page reference site of the multi-page figure, shared by its e2e test
// and its benchmark: pages ask for assets while parsing (img/link/script tags)
// and from their own scripts (fetch() of JSON, new Image()); page 1 links to
// 2 and 3. Deterministic bytes, valid PNGs.
import { mkdir, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { deflateSync } from 'node:zlib'

/** Parse-time assets per page (tags); script-time assets are requested by each page's own script. */
export const PAGES = {
  '/index.html': { title: 'Home', images: ['/img/hero.png'], script: '/js/home.js', scriptFetches: ['/data/home.json'], links: ['/page2.html', '/page3.html'] },
  '/page2.html': { title: 'Gallery', images: ['/img/g1.png', '/img/g2.png', '/img/g3.png'], script: '/js/gallery.js', scriptFetches: ['/data/gallery.json', '/img/g-lazy.png'], links: ['/page3.html', '/index.html'] },
  '/page3.html': { title: 'Product', images: ['/img/p1.png', '/img/p2.png'], script: '/js/product.js', scriptFetches: ['/data/product.json', '/img/p-zoom.png'], links: ['/index.html'] }
}

export const IMAGE_SIZES = {
  '/img/hero.png': 400_000,
  '/img/g1.png': 500_000,
  '/img/g2.png': 300_000,
  '/img/g3.png': 250_000,
  '/img/g-lazy.png': 350_000,
  '/img/p1.png': 600_000,
  '/img/p2.png': 200_000,
  '/img/p-zoom.png': 700_000
}

/** Every asset the given pages use (tags, scripts' requests, the shared stylesheet). */
export function assetsOfPages (pages) {
  return new Set(pages.flatMap((p) => [...PAGES[p].images, PAGES[p].script, ...PAGES[p].scriptFetches, '/css/site.css']))
}

/** Deterministic bytes (xorshift32), so failures reproduce. */
export function seededBytes (size, seed) {
  const b = Buffer.alloc(size)
  let x = (seed * 2654435761) >>> 0 || 1
  for (let i = 0; i < size; i++) {
    x ^= x << 13; x >>>= 0
    x ^= x >>> 17
    x ^= x << 5; x >>>= 0
    b[i] = x & 0xff
  }
  return b
}

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
 * chunk ("swRm": lowercase first letter = decoders skip it) of seeded bytes.
 */
export function png (size, seed) {
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
  return Buffer.concat([head, chunk('swRm', seededBytes(pad, seed)), tail])
}

const head = (title) =>
  `<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>${title}</title>` +
  '<link rel="stylesheet" href="/css/site.css"><script src="/swarmcdn.js" defer data-ice-servers="[]"></script></head>'

/** Writes the site into `dir`; returns its assets (URL path → bytes). */
export async function writeMultipageSite (dir) {
  const assets = {}
  const put = async (path, data) => {
    await mkdir(dirname(join(dir, path)), { recursive: true })
    await writeFile(join(dir, path), data)
    if (!path.endsWith('.html')) assets[path] = Buffer.from(data)
  }
  let seed = 100
  for (const [path, size] of Object.entries(IMAGE_SIZES)) await put(path, png(size, seed++))
  await put('/css/site.css', 'body{font-family:sans-serif}img{width:64px;height:64px}' + '/*' + 'x'.repeat(8000) + '*/')
  for (const [page, p] of Object.entries(PAGES)) {
    const fetches = p.scriptFetches.map((u) => u.endsWith('.json')
      ? `fetch(${JSON.stringify(u)}).then(r=>r.json()).then(j=>{document.title+=' '+j.n})`
      : `(()=>{const i=new Image();i.src=${JSON.stringify(u)};document.body.append(i)})()`).join(';')
    await put(p.script, `// ${p.title}\n${fetches};\n/*${seededBytes(30_000, seed++).toString('base64')}*/\n`)
    for (const u of p.scriptFetches.filter((x) => x.endsWith('.json'))) await put(u, JSON.stringify({ n: u.length, pad: seededBytes(20_000, seed++).toString('base64') }))
    const body = `<body><h1>${p.title}</h1>${p.images.map((i) => `<img src="${i}">`).join('')}` +
      `<nav>${p.links.map((l) => `<a href="${l}">${l}</a>`).join(' ')}</nav><script src="${p.script}"></script></body></html>`
    await put(page, head(p.title) + body)
  }
  return assets
}
