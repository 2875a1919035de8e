// A stock BitTorrent client seeds a published tree from disk (issue: it failed
// with ENOENT on `.pad/<n>`). WebTorrent 3.0.21 in Node, TCP only (no tracker,
// DHT or WebRTC): one client seeds the published folder as it is, another
// downloads the release from it and must get every asset's exact bytes.
import { afterAll, describe, expect, it } from 'vitest'
import { readFileSync, readdirSync, symlinkSync, mkdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import WebTorrent from 'webtorrent'
import { publish } from '../../../src/cli/publish.js'
import { parseTorrent } from '../../../src/cli/torrent.js'
import { bytes, cleanupTemp, makeTree, tempDir } from './helpers.js'

const TCP_ONLY = { dht: false, lsd: false, tracker: false, utp: false, natUpnp: false, natPmp: false, webSeeds: false }
const clients: WebTorrent[] = []

afterAll(async () => {
  await Promise.all(clients.map((c) => new Promise((resolve) => { c.destroy(() => { resolve(null) }) })))
  cleanupTemp()
})

function client (): WebTorrent {
  const c = new WebTorrent(TCP_ONLY)
  clients.push(c)
  return c
}

function done (t: ReturnType<WebTorrent['add']>): Promise<void> {
  return new Promise((resolve, reject) => {
    if (t.done) { resolve(); return }
    t.once('done', () => { resolve() })
    t.once('error', reject)
  })
}

describe('a stock WebTorrent client and a published tree', () => {
  it('seeds the folder from disk, and a second client downloads exact bytes', async () => {
    // Sizes that leave padding after every asset but the last, and one exact piece.
    const files: Record<string, Buffer> = {
      'b.bin': bytes(5000, 1),
      'css/site.css': Buffer.from('body { color: red }\n'),
      'img/a.bin': bytes(100_000, 2),
      'img/exact.bin': bytes(16384, 3),
      'z.bin': bytes(40_000, 4)
    }
    const site = makeTree(files)
    const result = await publish({ dir: site, copyRuntime: false, onWarning: () => {} })
    const torrent = readFileSync(result.torrentPath)

    // Padding entries are BEP 47 padding; assets are not.
    const parsed = parseTorrent(torrent)
    const pads = parsed.files.filter((f) => f.segments[0] === '.pad')
    expect(pads.map((p) => p.size)).toEqual([16384 - 5000, 16384 - 20, 16384 - (100_000 % 16384)])
    for (const f of parsed.files) expect(f.attr).toBe(f.segments[0] === '.pad' ? 'p' : undefined)
    // ...and on disk, zero-filled, for clients that read them anyway.
    for (const p of pads) {
      const st = statSync(join(site, ...p.segments))
      expect(st.size).toBe(p.size)
      expect(readFileSync(join(site, ...p.segments)).every((b) => b === 0)).toBe(true)
    }

    // The torrent is named `swarmcdn`: a client stores it in `<path>/swarmcdn/`,
    // so the seeder's path holds a `swarmcdn` link to the published folder.
    const seedRoot = tempDir()
    symlinkSync(site, join(seedRoot, 'swarmcdn'))
    const seeder = client()
    const seeding = seeder.add(torrent, { path: seedRoot })
    await done(seeding)
    expect(seeding.progress).toBe(1)

    const downloadRoot = tempDir()
    mkdirSync(downloadRoot, { recursive: true })
    const leecher = client()
    const downloading = leecher.add(torrent, { path: downloadRoot })
    downloading.once('ready', () => { downloading.addPeer(`127.0.0.1:${seeder.torrentPort}`) })
    await done(downloading)

    for (const [rel, data] of Object.entries(files)) {
      expect(readFileSync(join(downloadRoot, 'swarmcdn', ...rel.split('/'))).equals(data), rel).toBe(true)
    }
    expect(readdirSync(join(site, 'swarmcdn'))).toEqual([`${result.infoHash}.torrent`])
  })

  it('keeps only the padding files the current release names', async () => {
    const site = makeTree({ 'a.bin': bytes(5000, 1), 'b.bin': bytes(100, 2) })
    await publish({ dir: site, copyRuntime: false, onWarning: () => {} })
    expect(readdirSync(join(site, '.pad'))).toEqual([String(16384 - 5000)])
    makeTree({ 'a.bin': bytes(6000, 1) }, site)
    await publish({ dir: site, copyRuntime: false, onWarning: () => {} })
    expect(readdirSync(join(site, '.pad'))).toEqual([String(16384 - 6000)])
    makeTree({ 'a.bin': bytes(16384, 1) }, site)
    await publish({ dir: site, copyRuntime: false, onWarning: () => {} })
    expect(readdirSync(site)).not.toContain('.pad')
  })
})
