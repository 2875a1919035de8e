import { afterAll, describe, expect, it } from 'vitest'
import { cpSync, existsSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { createHash } from 'node:crypto'
import bencode, { type Encodable } from 'bencode'
import createTorrent from 'create-torrent'
import parseTorrent from 'parse-torrent'
import { publish, type PublishOptions } from '../../../src/cli/publish.js'
import { DEFAULT_BLOCK_SIZE, parseManifest } from '../../../src/shared/manifest.js'
import { bytes, cleanupTemp, makeTree, sha256b64, tempDir } from './helpers.js'

afterAll(cleanupTemp)

const quiet = (dir: string, extra: Partial<PublishOptions> = {}): Promise<Awaited<ReturnType<typeof publish>>> =>
  publish({ dir, copyRuntime: false, onWarning: () => {}, ...extra })

function siteFiles (): Record<string, Buffer> {
  return {
    'app.js': Buffer.from('console.log("hi")\n'),
    'css/site.css': Buffer.from('body { color: red }\n'),
    'img/big.bin': bytes(700 * 1024, 7), // 3 blocks: 256 + 256 + 188 KiB
    'img/exact.bin': bytes(DEFAULT_BLOCK_SIZE, 8), // exactly one block: no block list
    'img/small.png': bytes(1000, 9),
    'data/x.json': Buffer.from('{"a":1}')
  }
}

async function createTorrentInfoHash (files: Array<{ rel: string, data: Buffer }>, pieceLength: number, pad = true): Promise<string> {
  // The same layout built independently: each file, then zeros up to the next
  // piece boundary as a `.pad/<n>` file (not after the last).
  const inputs = files.flatMap(({ rel, data }, i) => {
    const out = [Object.assign(Buffer.from(data), { name: `swarmcdn/${rel}` })]
    const rest = data.length % pieceLength
    if (pad && rest !== 0 && i < files.length - 1) out.push(Object.assign(Buffer.alloc(pieceLength - rest), { name: `swarmcdn/.pad/${pieceLength - rest}` }))
    return out
  })
  const torrent = await new Promise<Uint8Array>((resolve, reject) => {
    createTorrent(inputs, { name: 'swarmcdn', pieceLength, announceList: [] }, (err, t) => { if (err !== null) reject(err); else resolve(t) })
  })
  // create-torrent knows no BEP 47: mark its `.pad/<n>` entries `attr: "p"`, the
  // only difference publish's layout may have from it.
  const decoded = bencode.decode(torrent) as { info: { files?: Array<{ path: Uint8Array[], attr?: string }> } }
  for (const f of decoded.info.files ?? []) if (Buffer.from(f.path[0]!).toString() === '.pad') f.attr = 'p'
  return createHash('sha1').update(bencode.encode(decoded.info as unknown as Encodable)).digest('hex')
}

describe('publish: hashes', () => {
  it('records an SRI SHA-256 per file that matches an independent hash, and per-block hashes for large files', async () => {
    const files = siteFiles()
    const dir = makeTree(files)
    const result = await quiet(dir)
    const manifest = parseManifest(JSON.parse(readFileSync(join(dir, 'swarmcdn.json'), 'utf8')))
    expect(Object.keys(manifest.assets).sort()).toEqual(Object.keys(files).map((r) => `/${r}`).sort())
    for (const [rel, data] of Object.entries(files)) {
      const a = manifest.assets[`/${rel}`]
      expect(a.size).toBe(data.length)
      expect(a.integrity).toBe(`sha256-${sha256b64(data)}`)
      if (data.length > DEFAULT_BLOCK_SIZE) {
        expect(a.blockSize).toBe(DEFAULT_BLOCK_SIZE)
        const expected: string[] = []
        for (let i = 0; i < data.length; i += DEFAULT_BLOCK_SIZE) expected.push(sha256b64(data.subarray(i, i + DEFAULT_BLOCK_SIZE)))
        expect(a.blocks).toEqual(expected)
      } else {
        expect(a.blocks).toBeUndefined()
        expect(a.blockSize).toBeUndefined()
      }
    }
    expect(manifest.assets['/img/big.bin'].blocks).toHaveLength(3)
    expect(result.files).toBe(6)
    expect(result.bytes).toBe(Object.values(files).reduce((s, d) => s + d.length, 0))
  })

  it('lays assets out in URL-path order, each on a piece boundary, and types them', async () => {
    const dir = makeTree(siteFiles())
    const { manifest } = await quiet(dir)
    const keys = Object.keys(manifest.assets)
    expect(keys).toEqual([...keys].sort())
    let offset = 0
    for (const k of keys) {
      expect(manifest.assets[k].offset).toBe(offset)
      expect(manifest.assets[k].offset % manifest.pieceLength).toBe(0)
      offset += Math.ceil(manifest.assets[k].size / manifest.pieceLength) * manifest.pieceLength
    }
    expect(manifest.assets['/app.js'].type).toBe('text/javascript; charset=utf-8')
    expect(manifest.assets['/css/site.css'].type).toBe('text/css; charset=utf-8')
    expect(manifest.assets['/data/x.json'].type).toBe('application/json; charset=utf-8')
    expect(manifest.assets['/img/small.png'].type).toBe('image/png')
    expect(manifest.assets['/img/big.bin'].type).toBe('application/octet-stream')
    expect(manifest.version).toBe(1)
    expect(manifest.torrent).toBe(`swarmcdn/${manifest.infoHash}.torrent`)
    expect(manifest.generator).toMatch(/^swarmcdn \d+\.\d+\.\d+/)
  })
})

describe('publish: determinism and the torrent', () => {
  it('is byte-identical across runs and across a copy of the tree elsewhere', async () => {
    const dir = makeTree(siteFiles())
    const first = await quiet(dir)
    const manifest1 = readFileSync(first.manifestPath)
    const torrent1 = readFileSync(first.torrentPath)
    const second = await quiet(dir)
    expect(second.infoHash).toBe(first.infoHash)
    expect(readFileSync(second.manifestPath).equals(manifest1)).toBe(true)
    expect(readFileSync(second.torrentPath).equals(torrent1)).toBe(true)

    const copy = tempDir()
    cpSync(dir, copy, { recursive: true })
    const third = await quiet(copy)
    expect(third.infoHash).toBe(first.infoHash)
    expect(readFileSync(third.manifestPath).equals(manifest1)).toBe(true)
    expect(readFileSync(third.torrentPath).equals(torrent1)).toBe(true)
  })

  it('computes the same infohash as create-torrent for the same files and options', async () => {
    const files = siteFiles()
    const dir = makeTree(files)
    for (const pieceLength of [16384, 65536]) {
      const result = await quiet(dir, { pieceLength })
      const ordered = Object.keys(result.manifest.assets).map((k) => ({ rel: k.slice(1), data: files[k.slice(1)] }))
      expect(result.infoHash).toBe(await createTorrentInfoHash(ordered, pieceLength))
    }
  })

  it('hashes across read-slot boundaries: files larger than a slot and many small files packed together', async () => {
    const files: Record<string, Buffer> = { 'big/video.bin': bytes(9 * 1024 * 1024 + 123, 11) }
    for (let i = 0; i < 300; i++) files[`small/${String(i).padStart(3, '0')}.bin`] = bytes(1 + ((i * 7919) % 40000), i + 100)
    const dir = makeTree(files)
    const result = await quiet(dir)
    for (const [rel, data] of Object.entries(files)) expect(result.manifest.assets[`/${rel}`].integrity).toBe(`sha256-${sha256b64(data)}`)
    const big = files['big/video.bin']
    expect(result.manifest.assets['/big/video.bin'].blocks?.[36]).toBe(sha256b64(big.subarray(36 * DEFAULT_BLOCK_SIZE)))
    const ordered = Object.keys(result.manifest.assets).map((k) => ({ rel: k.slice(1), data: files[k.slice(1)] }))
    expect(result.infoHash).toBe(await createTorrentInfoHash(ordered, 16384))
  })

  it('uses the multi-file form for a single file (create-torrent would not), with an infohash bencode agrees with', async () => {
    const data = bytes(40000, 3)
    const dir = makeTree({ 'only.bin': data })
    const result = await quiet(dir)
    const parsed = await parseTorrent(readFileSync(result.torrentPath))
    expect(parsed.files.map((f) => f.path)).toEqual(['swarmcdn/only.bin'])
    // create-torrent makes a single-file torrent from one input: a different info dict.
    expect(result.infoHash).not.toBe(await createTorrentInfoHash([{ rel: 'only.bin', data }], 16384))
    const pieces = Buffer.concat([0, 1, 2].map((i) => createHash('sha1').update(data.subarray(i * 16384, (i + 1) * 16384)).digest()))
    const info = bencode.encode({ files: [{ length: data.length, path: ['only.bin'] }], name: 'swarmcdn', 'piece length': 16384, pieces })
    expect(result.infoHash).toBe(createHash('sha1').update(info).digest('hex'))
  })

  it('writes a torrent parse-torrent reads back: files, lengths, infohash, pieces', async () => {
    const files = siteFiles()
    const dir = makeTree(files)
    const result = await quiet(dir)
    const parsed = await parseTorrent(readFileSync(result.torrentPath))
    expect(parsed.infoHash).toBe(result.infoHash)
    expect(parsed.name).toBe('swarmcdn')
    expect(parsed.pieceLength).toBe(16384)
    // Assets at their manifest offsets, zero padding files between them.
    const real = parsed.files.filter((f) => !f.path.startsWith('swarmcdn/.pad/'))
    expect(real.map((f) => [f.path, f.length, f.offset])).toEqual(
      Object.entries(result.manifest.assets).map(([k, a]) => [`swarmcdn${k}`, a.size, a.offset]))
    const pads = parsed.files.filter((f) => f.path.startsWith('swarmcdn/.pad/'))
    for (const p of pads) expect(p.path).toBe(`swarmcdn/.pad/${p.length}`)
    expect(parsed.length).toBe(Object.values(result.manifest.assets).reduce((n, a) => Math.max(n, a.offset + a.size), 0))
    expect(parsed.pieces).toHaveLength(Object.values(result.manifest.assets).reduce((n, a) => n + Math.ceil(a.size / 16384), 0))
    expect(parsed.announce).toEqual([]) // /announce is same-origin: manifest only
    expect(result.pieces).toBe(parsed.pieces.length)
    expect(readdirSync(join(dir, 'swarmcdn'))).toEqual([`${result.infoHash}.torrent`])
  })

  it('puts only absolute trackers into the torrent; --tracker replaces the default', async () => {
    const dir = makeTree({ 'a.js': 'x' })
    const replaced = await quiet(dir, { trackers: ['wss://t.example/announce', 'ws://127.0.0.1:8000/announce'] })
    expect(replaced.manifest.trackers).toEqual(['wss://t.example/announce', 'ws://127.0.0.1:8000/announce'])
    expect((await parseTorrent(readFileSync(replaced.torrentPath))).announce).toEqual(['wss://t.example/announce', 'ws://127.0.0.1:8000/announce'])
    const kept = await quiet(dir, { trackers: ['/announce', 'wss://t.example/announce', '/announce'] })
    expect(kept.manifest.trackers).toEqual(['/announce', 'wss://t.example/announce'])
    expect((await parseTorrent(readFileSync(kept.torrentPath))).announce).toEqual(['wss://t.example/announce'])
    // Trackers are outside the info dict: same release, same infohash.
    expect(kept.infoHash).toBe(replaced.infoHash)
    expect((await quiet(dir)).manifest.trackers).toEqual(['/announce'])
  })

  it('removes the previous release torrent once the new one is written', async () => {
    const dir = makeTree({ 'a.js': 'one' })
    const first = await quiet(dir)
    writeFileSync(join(dir, 'a.js'), 'two')
    const second = await quiet(dir)
    expect(second.infoHash).not.toBe(first.infoHash)
    expect(existsSync(first.torrentPath)).toBe(false)
    expect(readdirSync(join(dir, 'swarmcdn'))).toEqual([`${second.infoHash}.torrent`])
  })

  it('accepts piece lengths as numbers or 64k-style strings', async () => {
    const dir = makeTree({ 'a.bin': bytes(100000) })
    expect((await quiet(dir, { pieceLength: '64k' })).manifest.pieceLength).toBe(65536)
    expect((await quiet(dir, { pieceLength: 1 << 20 })).pieces).toBe(1)
  })
})

describe('publish: which files are assets', () => {
  it('skips pages, dotfiles, source maps, empty files and its own outputs; keeps nested runtime-named files', async () => {
    const dir = makeTree({
      'index.html': '<p>hi</p>',
      'about.HTM': '<p>about</p>',
      '.env': 'secret',
      '.git/config': 'x',
      'js/app.js': 'a',
      'js/app.js.map': '{}',
      'empty.txt': '',
      'swarmcdn.js': 'runtime',
      'swarmcdn-sw.js': 'runtime',
      'swarmcdn-engine.js': 'runtime',
      'swarmcdn/old.torrent': 'x',
      'vendor/swarmcdn.js': 'a vendored copy is an ordinary asset'
    })
    const { manifest } = await quiet(dir)
    expect(Object.keys(manifest.assets)).toEqual(['/js/app.js', '/vendor/swarmcdn.js'])
    expect(Object.keys(manifest.pages ?? {})).toEqual(['/', '/about.HTM'])
  })

  it('--include restricts to matches (and can name source maps and dot paths explicitly); --exclude removes', async () => {
    const dir = makeTree({
      'js/app.js': 'a',
      'js/app.js.map': '{}',
      'css/site.css': 'b',
      'img/a.png': 'c',
      '.well-known/security.txt': 'd',
      '.git/HEAD': 'e',
      '.git/page.html': '<p>',
      'drafts/x.js': 'f'
    })
    const inc = await quiet(dir, { include: ['js/**', 'css/*.css'] })
    expect(Object.keys(inc.manifest.assets)).toEqual(['/css/site.css', '/js/app.js', '/js/app.js.map'])
    const dots = await quiet(dir, { include: ['**', '.well-known/**'] })
    expect(Object.keys(dots.manifest.assets)).toEqual(['/.well-known/security.txt', '/css/site.css', '/drafts/x.js', '/img/a.png', '/js/app.js', '/js/app.js.map'])
    expect(dots.manifest.pages).toEqual({})
    const exc = await quiet(dir, { exclude: ['drafts', '**/*.png'] })
    expect(Object.keys(exc.manifest.assets)).toEqual(['/css/site.css', '/js/app.js'])
  })

  it('follows symlinks that stay inside the tree', async () => {
    const dir = makeTree({ 'real/a.js': 'a' })
    symlinkSync(join(dir, 'real', 'a.js'), join(dir, 'link.js'))
    symlinkSync('real', join(dir, 'alias'))
    symlinkSync('..', join(dir, 'real', 'up')) // a loop: not walked twice
    await quiet(dir)
    symlinkSync('swarmcdn.json', join(dir, 'manifest-link.json')) // publish's own output: never an asset
    const { manifest } = await quiet(dir)
    expect(Object.keys(manifest.assets)).toEqual(['/alias/a.js', '/link.js', '/real/a.js'])
    expect(manifest.assets['/link.js'].integrity).toBe(manifest.assets['/real/a.js'].integrity)
  })

  it('copies the runtime files from the runtime folder', async () => {
    const runtime = makeTree({ 'swarmcdn.js': 'page', 'swarmcdn-sw.js': 'sw', 'swarmcdn-engine.js': 'engine' })
    const dir = makeTree({ 'a.js': 'a' })
    const result = await publish({ dir, runtimeDir: runtime, onWarning: () => {} })
    expect(result.runtime).toEqual(['swarmcdn.js', 'swarmcdn-sw.js', 'swarmcdn-engine.js'])
    for (const name of result.runtime) expect(readFileSync(join(dir, name)).equals(readFileSync(join(runtime, name)))).toBe(true)
    // The runtime files are never assets, on this publish or the next.
    expect(Object.keys((await publish({ dir, runtimeDir: runtime, onWarning: () => {} })).manifest.assets)).toEqual(['/a.js'])
  })
})
