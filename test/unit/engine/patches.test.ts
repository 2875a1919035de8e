// Every patch in src/engine/patches/ against the installed webtorrent dist
// bundle, the very file the engine bundle imports: two clients in this
// process, joined by an in-memory duplex pair standing in for a data channel.
// A patch that silently stops applying after an upgrade fails here.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Duplex } from 'node:stream'
import { createRequire } from 'node:module'
import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { createServer } from 'node:net'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import createTorrent from 'create-torrent'
import type WebTorrentType from 'webtorrent/dist/webtorrent.min.js'
import type { Torrent, Wire } from 'webtorrent/dist/webtorrent.min.js'
import type { PatchName } from '../../../src/engine/patches/index.js'

// What the browser has and Node 20 lacks, for the dist bundle to load here.
const g = globalThis as Record<string, unknown>
g.self ??= globalThis
g.WebSocket ??= class {}
g.navigator ??= { userAgent: 'node' }
// WebSocket trackers exist only where WebRTC does (the bundle checks at load).
const wrtc = createRequire(import.meta.url)('@roamhq/wrtc') as Record<string, unknown>
for (const k of ['RTCPeerConnection', 'RTCSessionDescription', 'RTCIceCandidate']) g[k] ??= wrtc[k]
const u8 = Uint8Array.prototype as unknown as Record<string, unknown>
u8.toBase64 ??= function (this: Uint8Array) { return Buffer.from(this).toString('base64') }
u8.toHex ??= function (this: Uint8Array) { return Buffer.from(this).toString('hex') }

let WebTorrent: typeof WebTorrentType
let patches: typeof import('../../../src/engine/patches/index.js')
const clients: WebTorrentType[] = []
const data = new Uint8Array(64 * 1024).map((_, i) => (i * 31) & 255)
let torrentFile: Uint8Array

function makeTorrent (): Promise<Uint8Array> {
  return new Promise((resolve, reject) => createTorrent(Buffer.from(data) as never, { name: 'x', pieceLength: 16 * 1024, announceList: [] }, (err: Error | null, buf: Uint8Array) => err ? reject(err) : resolve(buf)))
}

function add (opts: Record<string, unknown> = {}): Promise<Torrent> {
  const c = new WebTorrent({ dht: false, lsd: false, utPex: false, tracker: false, webSeeds: false })
  clients.push(c)
  const t = c.add(torrentFile, { deselect: true, ...opts })
  return new Promise((resolve) => { if (t.ready) resolve(t); else t.once('ready', () => resolve(t)) })
}

/** Two duplexes, each writing into the other: a data channel for webtorrent's webrtc peer path. */
function pipePair (): [Duplex & { id: string, connected: boolean }, Duplex & { id: string, connected: boolean }] {
  let a!: Duplex, b!: Duplex
  const mk = (other: () => Duplex): Duplex => new Duplex({ read () {}, write (chunk, _enc, cb) { other().push(chunk); cb() } })
  a = mk(() => b); b = mk(() => a)
  return [Object.assign(a, { id: 'pa', connected: true }), Object.assign(b, { id: 'pb', connected: true })]
}

beforeAll(async () => {
  WebTorrent = (await import('webtorrent/dist/webtorrent.min.js')).default
  patches = await import('../../../src/engine/patches/index.js')
  torrentFile = await makeTorrent()
})
afterAll(() => { for (const c of clients) c.destroy() })

describe('patches on the installed webtorrent bundle', () => {
  it('every torrent and wire patch applies, and a transfer through them is exact', async () => {
    const seeder = await add({ bitfield: new Uint8Array([0xf0]), preloadedStore: memoryStore(), storeCacheSlots: 0 })
    const leecher = await add()
    for (const t of [seeder, leecher]) {
      patches.checkTorrentTargets(t)
      patches.coalesceUpdates(t as never)
      patches.requestPassNow(t as never)
      t.on('wire', (w: Wire) => { patches.batchWire(w); patches.checkWireTargets(w) })
    }
    patches.flushWithoutCopy(leecher)
    const [x, y] = pipePair()
    seeder._addPeer(x, 'webrtc')
    leecher._addPeer(y, 'webrtc')
    const file = leecher.files[0]!
    const got: Uint8Array[] = []
    for await (const chunk of file[Symbol.asyncIterator]({ start: 0, end: data.length - 1 }) as unknown as AsyncIterable<Uint8Array>) got.push(chunk)
    expect(Buffer.concat(got).equals(Buffer.from(data))).toBe(true)
    const wanted: PatchName[] = ['wire-batching', 'no-redundant-have', 'coalesced-updates', 'request-pass-now', 'flush-without-copy', 'mark-verified', 'mark-unverified', 'ban-before-connect', 'message-length-guard']
    for (const name of wanted) expect(patches.report[name], name).toBe(true)
  })

  it('markVerified / markUnverified flip what a torrent offers', async () => {
    const t = await add()
    patches.markVerified(t, 1)
    expect(t.bitfield.get(1)).toBe(true)
    patches.markUnverified(t, 1)
    expect(t.bitfield.get(1)).toBe(false)
  })

  it('the tracker reconnect patch finds its target on the bundle\'s WebSocket tracker', async () => {
    const c = new WebTorrent({ dht: false, lsd: false, utPex: false, webSeeds: false, tracker: { getAnnounceOpts: () => ({ numwant: 0 }) } })
    clients.push(c)
    const t = c.add(torrentFile, { deselect: true, announce: ['ws://127.0.0.1:9/announce'] })
    await new Promise<void>((resolve) => { if (t.ready) resolve(); else t.once('ready', () => resolve()) })
    await new Promise((r) => setTimeout(r, 0))
    expect(patches.fastTrackerReconnect(t)).toBe(true)
    expect(patches.report['tracker-reconnect']).toBe(true)
  })

  // The tracker client's own peers (trickle: false), built where it builds
  // them. 198.51.100.1 (TEST-NET-2) never answers: a STUN server behind a
  // network that drops UDP, which left gathering to simple-peer's 5 s timeout.
  const SILENT_STUN = { urls: 'stun:198.51.100.1:3478' }

  it('a tracker peer whose STUN server never answers offers after about 1 s, not 5 s', async () => {
    const peer = await trackerPeer([SILENT_STUN])
    const t0 = Date.now()
    const timedOut = new Promise<boolean>((resolve) => peer.once('iceTimeout', () => resolve(true)))
    const offer = await new Promise<{ type: string, sdp: string }>((resolve) => peer.once('signal', resolve))
    const ms = Date.now() - t0
    expect(patches.report['ice-complete-timeout']).toBe(true)
    expect(offer.type).toBe('offer')
    expect(await timedOut).toBe(true)
    // 1 s counted from the first host candidate; the 5 s default is far above.
    expect(ms).toBeGreaterThanOrEqual(patches.ICE_COMPLETE_MS - 50)
    expect(ms).toBeLessThan(3000)
  })

  it.skipIf(!hasCoturn())('a relay candidate sends the offer at once, with that relay in it', async () => {
    const turn = await startLoopbackTurn()
    try {
      const peer = await trackerPeer([SILENT_STUN, { urls: `turn:127.0.0.1:${turn.port}?transport=udp`, username: 'u', credential: 'p' }])
      let timedOut = false
      peer.once('iceTimeout', () => { timedOut = true })
      const offer = await new Promise<{ type: string, sdp: string }>((resolve) => peer.once('signal', resolve))
      expect(patches.report['ice-relay-ends-gathering']).toBe(true)
      expect(offer.sdp).toMatch(/ typ relay /)
      // Ended by the relay, not by the timeout (the silent STUN server keeps
      // gathering from ending on its own).
      expect(timedOut).toBe(false)
    } finally {
      await turn.close()
    }
  })
})

type EmittingPeer = { once: (e: string, fn: (x: never) => void) => void, destroy: () => void }

/** A peer built by the bundle's WebSocket tracker client (patched), as an announce builds its offers. */
async function trackerPeer (iceServers: RTCIceServer[]): Promise<EmittingPeer> {
  const c = new WebTorrent({ dht: false, lsd: false, utPex: false, webSeeds: false, tracker: { rtcConfig: { iceServers }, getAnnounceOpts: () => ({ numwant: 0 }) } })
  clients.push(c)
  const t = c.add(torrentFile, { deselect: true, announce: ['ws://127.0.0.1:9/announce'] })
  await new Promise<void>((resolve) => { if (t.ready) resolve(); else t.once('ready', () => resolve()) })
  expect(patches.fastIceOffers(t)).toBe(true)
  const tracker = (t as unknown as { discovery: { tracker: { _trackers: Array<{ _createPeer: (o: object) => EmittingPeer }> } } }).discovery.tracker._trackers[0]!
  const peer = tracker._createPeer({ initiator: true })
  peer.once('error', () => {})
  // Destroyed with the client only once it joined a torrent: destroy it here.
  afterCleanups.push(() => peer.destroy())
  return peer
}

const afterCleanups: Array<() => void> = []
afterAll(() => { for (const f of afterCleanups) f() })

function hasCoturn (): boolean {
  try { execFileSync('sh', ['-c', 'command -v turnserver'], { stdio: 'ignore' }); return true } catch { return false }
}

function freePort (): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => { const { port } = s.address() as { port: number }; s.close(() => resolve(port)) })
  })
}

/** coturn (Debian's turnserver) on loopback with one long-term user u:p. */
async function startLoopbackTurn (): Promise<{ port: number, close: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'swarmcdn-turn-'))
  const port = await freePort()
  const relay = 20000 + Math.floor(Math.random() * 20000)
  await writeFile(join(dir, 'turnserver.conf'), [
    'listening-ip=127.0.0.1', 'relay-ip=127.0.0.1', `listening-port=${port}`,
    `min-port=${relay}`, `max-port=${relay + 200}`, 'realm=test', 'lt-cred-mech', 'user=u:p',
    'no-tls', 'no-dtls', 'no-cli', 'fingerprint', 'log-file=stdout', 'simple-log',
    `pidfile=${join(dir, 'pid')}`, `userdb=${join(dir, 'db')}`
  ].join('\n') + '\n')
  const proc: ChildProcess = spawn('turnserver', ['-c', join(dir, 'turnserver.conf')], { stdio: ['ignore', 'pipe', 'pipe'] })
  const exited = new Promise((resolve) => proc.once('exit', resolve))
  const close = async (): Promise<void> => {
    if (proc.exitCode === null && proc.signalCode === null) { proc.kill('SIGKILL'); await exited }
    await rm(dir, { recursive: true, force: true })
  }
  let out = ''
  try {
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`coturn did not start in 10 s:\n${out}`)), 10_000)
      const check = (d: Buffer): void => { out += d; if (/Total General servers/.test(out)) { clearTimeout(t); resolve() } }
      proc.stdout!.on('data', check)
      proc.stderr!.on('data', check)
      proc.once('exit', (code) => { clearTimeout(t); reject(new Error(`coturn exited ${code}:\n${out}`)) })
    })
  } catch (err) {
    await close()
    throw err
  }
  return { port, close }
}

/** A seeder's store holding the whole data (the abstract-chunk-store interface). */
function memoryStore (): unknown {
  const PL = 16 * 1024
  return {
    chunkLength: PL,
    put: (_i: number, _b: Uint8Array, cb: (e: Error | null) => void) => queueMicrotask(() => cb(null)),
    get: (i: number, opts: { offset?: number, length?: number } | null, cb: (e: Error | null, b?: Uint8Array) => void) => {
      const piece = data.subarray(i * PL, (i + 1) * PL)
      const off = opts?.offset ?? 0
      queueMicrotask(() => cb(null, piece.subarray(off, off + (opts?.length ?? piece.length - off))))
    },
    close: (cb: (e: Error | null) => void) => queueMicrotask(() => cb(null)),
    destroy: (cb: (e: Error | null) => void) => queueMicrotask(() => cb(null))
  }
}
