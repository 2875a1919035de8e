// Helpers for the reliability suite: a Node WebTorrent peer that joins the
// release swarm through our tracker (WebRTC via @roamhq/wrtc) and can be made
// to misbehave on the wire, plus small probes into a page's storage and heap.
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { createServer, request as httpRequest } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import type { RunningServer } from '../../../src/server/index.js'
import { padAfter, TORRENT_NAME } from '../../../src/shared/manifest.js'
import type { Site } from '../harness.js'
import { spliceUpgrades } from '../front.js'

/** The slice of webtorrent's (untyped in Node) API these helpers use. */
export interface NodeWire {
  peerId: string
  destroyed: boolean
  uploaded: number
  downloaded: number
  peerChoking: boolean
  request: (index: number, offset: number, length: number, cb: (err: Error | null, buf?: Uint8Array) => void) => void
  piece: (index: number, offset: number, buffer: Uint8Array) => void
  /** bittorrent-protocol's raw send (pinned webtorrent 3.0.21): bytes onto the wire as they are. */
  _push: (data: Uint8Array) => void
  destroy: () => void
  on: (ev: string, fn: (...args: any[]) => void) => void
}
interface NodeTorrent {
  infoHash: string
  downloaded: number
  pieces: unknown[]
  wires: NodeWire[]
  uploaded: number
  ready: boolean
  done: boolean
  on: (ev: string, fn: (...args: any[]) => void) => void
  once: (ev: string, fn: (...args: any[]) => void) => void
}
interface NodeClient {
  add: (torrent: Uint8Array, opts: Record<string, unknown>) => NodeTorrent
  destroy: (cb?: (err?: Error) => void) => void
}

export interface NodeSeeder {
  torrent: NodeTorrent
  /** Every wire this seeder ever had (closed ones included). */
  wires: NodeWire[]
  /** Bytes the seeder put on the wire (as webtorrent counts them). */
  uploaded: () => number
  /** Bytes received (as webtorrent counts them, verified or not). */
  downloaded: () => number
  warnings: string[]
  destroy: () => Promise<void>
}

export interface SeederOptions {
  /** Alters an asset's bytes in the seeder's copy (after publish hashed them). */
  corrupt?: (path: string, data: Buffer) => Buffer
  /** Patches each new wire (e.g. wraps wire.piece to stall or send garbage). */
  onWire?: (wire: NodeWire) => void
  /** Start with no data and download from the swarm instead (a leecher). */
  leech?: boolean
}

/**
 * A Node peer seeding the published release from its own copy of the site.
 * The copy's bytes may be altered after hashing; `skipVerify` makes webtorrent
 * believe it holds every piece, as a malicious or broken peer would claim.
 */
export async function nodeSeeder (site: Site, server: RunningServer, opts: SeederOptions = {}): Promise<NodeSeeder> {
  const manifest = JSON.parse(await readFile(join(site.dir, 'swarmcdn.json'), 'utf8')) as { torrent: string, pieceLength: number, assets: Record<string, { size: number }> }
  const torrentBuf = await readFile(join(site.dir, manifest.torrent))
  // The torrent's files live under its fixed name: <path>/swarmcdn/<asset path>.
  const base = await mkdtemp(join(tmpdir(), 'swarmcdn-seeder-'))
  const data = join(base, TORRENT_NAME)
  for (const path of opts.leech ? [] : Object.keys(manifest.assets)) {
    const target = join(data, decodeURIComponent(path))
    await cp(join(site.dir, decodeURIComponent(path)), target)
    if (opts.corrupt) await writeFile(target, opts.corrupt(path, await readFile(target)))
  }
  // Assets start on piece boundaries; a disk-backed client reads the zero
  // padding between them from the torrent's `.pad/<n>` files.
  if (!opts.leech) {
    for (const a of Object.values(manifest.assets)) {
      const pad = padAfter(a.size, manifest.pieceLength)
      if (pad > 0) {
        await mkdir(join(data, '.pad'), { recursive: true })
        await writeFile(join(data, '.pad', String(pad)), Buffer.alloc(pad))
      }
    }
  }
  const { default: WebTorrent } = await import('webtorrent' as string) as { default: new (o: Record<string, unknown>) => NodeClient }
  const client = new WebTorrent({
    dht: false,
    lsd: false,
    utPex: false,
    webSeeds: false,
    natUpnp: false,
    natPmp: false,
    utp: false,
    tracker: { rtcConfig: { iceServers: [] } }
  })
  const warnings: string[] = []
  const torrent = client.add(torrentBuf, { path: base, announce: [server.trackerUrl], skipVerify: opts.leech !== true })
  torrent.on('warning', (e: Error) => warnings.push(e.message))
  torrent.on('error', (e: Error) => warnings.push(e.message))
  const wires: NodeWire[] = []
  torrent.on('wire', (w: NodeWire) => { wires.push(w); opts.onWire?.(w) })
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`node seeder not ready: ${warnings.join('; ')}`)), 15_000)
    const ok = (): void => { clearTimeout(t); resolve() }
    if (opts.leech) { if (torrent.ready) ok(); else torrent.once('ready', ok) } else if (torrent.done) ok()
    else torrent.once('done', ok)
  })
  let destroyed = false
  return {
    torrent,
    wires,
    uploaded: () => torrent.uploaded,
    downloaded: () => torrent.downloaded,
    warnings,
    destroy: async () => {
      if (destroyed) return
      destroyed = true
      await new Promise<void>((resolve) => client.destroy(() => resolve()))
      await rm(base, { recursive: true, force: true })
    }
  }
}

/** Flips every byte of an asset: every piece that touches it fails SHA-1. */
export function flipAll (_path: string, data: Buffer): Buffer {
  const out = Buffer.from(data)
  for (let i = 0; i < out.length; i++) out[i] = out[i]! ^ 0xff
  return out
}

/** Hex SHA-256 of every swarmcdn Cache Storage entry, read in the page. */
export async function cachedDigests (page: Page): Promise<Array<{ url: string, sha256: string, size: number }>> {
  return page.evaluate(async () => {
    const out: Array<{ url: string, sha256: string, size: number }> = []
    for (const name of await caches.keys()) {
      if (!name.startsWith('swarmcdn-')) continue
      const cache = await caches.open(name)
      for (const req of await cache.keys()) {
        const res = await cache.match(req)
        if (!res) continue
        const buf = await res.arrayBuffer()
        const d = new Uint8Array(await crypto.subtle.digest('SHA-256', buf))
        out.push({ url: req.url, sha256: Array.from(d, (b) => b.toString(16).padStart(2, '0')).join(''), size: buf.byteLength })
      }
    }
    return out
  })
}

/** SRI value of the hex digest (how the verified cache keys entries). */
export function sriOf (hexDigest: string): string {
  return `sha256-${Buffer.from(hexDigest, 'hex').toString('base64')}`
}

/** Used JS heap of a page, in bytes, after a forced GC (CDP). */
export async function heapUsed (page: Page): Promise<number> {
  const cdp = await page.context().newCDPSession(page)
  try {
    await cdp.send('HeapProfiler.collectGarbage')
    const r = await cdp.send('Runtime.getHeapUsage') as { usedSize: number }
    return r.usedSize
  } finally {
    await cdp.detach().catch(() => {})
  }
}

/** Waits until `fn` is true or throws after `timeout` ms. */
export async function until (fn: () => Promise<boolean> | boolean, timeout: number, what: string): Promise<void> {
  const start = Date.now()
  for (;;) {
    if (await fn()) return
    if (Date.now() - start > timeout) throw new Error(`timed out after ${timeout} ms waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

/** Sum of asset sizes. */
export function siteBytes (site: Site): number {
  return Object.values(site.assets).reduce((n, b) => n + b.length, 0)
}

export interface HeaderRule {
  /** Status to answer instead of proxying (the body is a short text). */
  status?: number
  /** Headers set on the proxied response. */
  headers?: Record<string, string>
}

export interface Proxy { url: string, port: number, close: () => Promise<void> }

/**
 * A test-only front for the origin: forwards every request (and the tracker's
 * WebSocket upgrade) to `server`, but answers or re-labels the paths `rules`
 * names, as a CDN or an application server in front of static files would.
 */
export async function headerProxy (server: RunningServer, rules: (path: string) => HeaderRule | undefined): Promise<Proxy> {
  const target = { host: server.host, port: server.port }
  const sockets = new Set<Socket>()
  const proxy = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname
    const rule = rules(path)
    if (rule?.status !== undefined) {
      res.writeHead(rule.status, { 'Content-Type': 'text/plain', 'Cache-Control': 'no-store' })
      res.end(`test proxy: ${rule.status}`)
      return
    }
    const up = httpRequest({ ...target, method: req.method, path: req.url, headers: req.headers }, (upRes) => {
      const headers = { ...upRes.headers, ...(rule?.headers ?? {}) }
      res.writeHead(upRes.statusCode ?? 502, headers)
      upRes.pipe(res)
    })
    up.on('error', () => { if (!res.headersSent) res.writeHead(502); res.end() })
    req.pipe(up)
  })
  proxy.on('connection', (s: Socket) => { sockets.add(s); s.on('close', () => sockets.delete(s)) })
  proxy.on('upgrade', spliceUpgrades(target, sockets))
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve))
  const port = (proxy.address() as AddressInfo).port
  return {
    url: `http://127.0.0.1:${port}/`,
    port,
    close: async () => {
      for (const s of sockets) s.destroy()
      await new Promise<void>((resolve) => proxy.close(() => resolve()))
    }
  }
}

/**
 * Waits until the page's engine has met a peer. Not "peers ≥ 1": a bad peer
 * may already be cut and banned (prefetch asks it first) by the time we look.
 */
export async function waitForFirstPeer (page: Page, timeout = 20_000): Promise<void> {
  await until(() => page.evaluate(() => window.swarmcdn!.stats().then((s) => Boolean(s.engine?.firstPeerAt))), timeout, 'the engine to meet a peer')
}
