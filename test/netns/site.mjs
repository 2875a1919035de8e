// The site the emulated-network tests and benches load: a landing page and an
// asset page (stylesheet, scripts, images: about 3.4 MB in 7 files, sizes of a
// typical content page), each once per ICE configuration under /<variant>/ and
// once without swarmcdn under /plain/ (the origin-only baseline).
import { execFile } from 'node:child_process'
import { createCipheriv, createHash } from 'node:crypto'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { promisify } from 'node:util'
import { PNG } from 'pngjs'
import { CLI } from './origin.mjs'

const run = promisify(execFile)

export const ASSETS = {
  '/css/site.css': { kind: 'css', size: 8_000 },
  '/js/app.js': { kind: 'js', size: 40_000 },
  '/js/vendor.js': { kind: 'js', size: 120_000 },
  '/img/thumb.png': { kind: 'png', w: 138, h: 138 },
  '/img/photo.png': { kind: 'png', w: 305, h: 305 },
  '/img/hero.png': { kind: 'png', w: 548, h: 548 },
  '/img/banner.png': { kind: 'png', w: 816, h: 816 }
}

/** `size` reproducible pseudo-random bytes (AES-CTR keystream of the seed). */
function bytes (size, seed) {
  const key = createHash('sha256').update(`swarmcdn-netns-${seed}`).digest().subarray(0, 16)
  const c = createCipheriv('aes-128-ctr', key, Buffer.alloc(16))
  return Buffer.concat([c.update(Buffer.alloc(size)), c.final()])
}

function content (a, seed) {
  if (a.kind === 'css' || a.kind === 'js') return Buffer.from(`/*${bytes(a.size, seed).toString('base64').slice(0, a.size - 4)}*/`)
  // Images must decode: Chromium stops loading an image whose bytes do not.
  // Noise does not compress, so a PNG of w×h is about w×h×3 bytes.
  const png = new PNG({ width: a.w, height: a.h, colorType: 2 })
  bytes(a.w * a.h * 4, seed).copy(png.data)
  for (let i = 3; i < png.data.length; i += 4) png.data[i] = 255
  return PNG.sync.write(png, { colorType: 2 })
}

/**
 * The script tag for one ICE configuration. Peer prefetch is off: the figures
 * are about the asset page's own requests, so none may be fetched ahead.
 */
export function scriptTag (iceServers, extra = '') {
  const ice = JSON.stringify(iceServers).replace(/'/g, '&#39;')
  return `<script src="/swarmcdn.js" defer data-ice-servers='${ice}' data-prefetch-budget="0"${extra ? ' ' + extra : ''}></script>`
}

/**
 * The page variants the scenarios serve: `stun` offers STUN only; `turn`
 * offers what a site running coturn does (STUN, TURN over UDP and over TCP).
 * For startEnvironment's `variants`.
 */
export function stunAndTurn (coturn, ice) {
  return { stun: scriptTag([{ urls: coturn.stun }]), turn: scriptTag(ice.iceServers) }
}

function landing (tag) {
  return `<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>landing</title>${tag}</head><body><h1>landing</h1></body></html>`
}

function assetPage (tag) {
  const head = []
  const body = []
  for (const [path, a] of Object.entries(ASSETS)) {
    if (a.kind === 'css') head.push(`<link rel="stylesheet" href="${path}">`)
    else if (a.kind === 'js') body.push(`<script src="${path}"></script>`)
    else body.push(`<img src="${path}" alt="">`)
  }
  return `<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>assets</title>${tag}${head.join('')}</head><body><h1>assets</h1>${body.join('')}</body></html>`
}

/**
 * Writes and publishes (the real CLI) the assets. Pages come after, from
 * writePages(variants), `variants` mapping a folder name to its script tag:
 * HTML pages are not part of a release, so they can name ICE servers (and
 * TURN credentials) the origin minted once it runs. Resolves
 * { dir, paths, sizes, sha256, total, writePages, cleanup }.
 */
export async function makeSite () {
  // The site one level down: `swarmcdn serve` keeps files beside the folder it
  // serves (its history database), and cleanup removes the parent with them.
  const parent = await mkdtemp(join(tmpdir(), 'swarmcdn-netns-site-'))
  const dir = join(parent, 'site')
  const sizes = {}
  const sha256 = {}
  let seed = 1
  const write = async (path, data) => {
    await mkdir(dirname(join(dir, path)), { recursive: true })
    await writeFile(join(dir, path), data)
  }
  for (const [path, a] of Object.entries(ASSETS)) {
    const data = content(a, seed++)
    sizes[path] = data.length
    sha256[path] = createHash('sha256').update(data).digest('hex')
    await write(path, data)
  }
  await run(process.execPath, [CLI, 'publish', dir, '--json'])
  return {
    dir,
    paths: Object.keys(ASSETS),
    sizes,
    sha256,
    total: Object.values(sizes).reduce((n, x) => n + x, 0),
    writePages: async (variants) => {
      for (const [name, tag] of Object.entries({ ...variants, plain: '' })) {
        await write(`/${name}/index.html`, landing(tag))
        await write(`/${name}/page.html`, assetPage(tag))
      }
    },
    cleanup: () => rm(parent, { recursive: true, force: true })
  }
}
