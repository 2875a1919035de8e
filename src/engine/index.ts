// The engine: runs in the leader tab only (one per origin, Web Locks). Joins
// the release swarm with WebTorrent over the SW's verified store, answers the
// SW's byte requests from connected peers, and seeds what the store holds.
// start() only composes the modules; each one is unit-tested on its own.
import { parseManifest, pieceSpan, type Manifest } from '../shared/manifest.js'
import type { EngineStatus, SwToPage } from '../shared/protocol.js'
import { makeDebug, setDebug } from '../shared/debug.js'
import { Bans } from './bans.js'
import { CacheChunkStore } from './cache-store.js'
import { useScope } from '../shared/cache-keys.js'
import { Holders } from './holders.js'
import { PieceMap } from './layout.js'
import { watchPlayers } from './players.js'
import { markUnverified, markVerified, report as patches } from './patches/index.js'
import { startPrefetch } from './prefetch.js'
import { createServer } from './serve.js'
import { statusOf } from './status.js'
import { askSw, linkToSw } from './sw-link.js'
import { joinSwarm } from './swarm.js'
import { uploadPolicy } from './upload-policy.js'

const debug = makeDebug('engine')

/** How often every tab hears the engine's status. */
const STATUS_INTERVAL_MS = 1000
/** The SW answers a prefetch store within this time or it counts as failed. */
const STORE_ANSWER_MS = 10_000
/** How long a first visit waits for the SW to take control. */
const CONTROL_TIMEOUT_MS = 15_000

export interface EngineOptions {
  manifestUrl: string
  scope: string
  iceServers: RTCIceServer[]
  /** 'relay' makes every connection go through TURN (default 'all'). */
  iceTransportPolicy?: RTCIceTransportPolicy
  /** Bytes per second; 0 = unlimited. */
  uploadLimit: number
  /** Total bytes this page may upload; Infinity = unlimited. */
  uploadBudget: number
  /** Bytes a visit (this tab's session) may prefetch from peers for linked pages. */
  prefetchBudget: number
  /** The site's `data-storage-budget` in bytes; the SW's default when absent. */
  storageBudget?: number
  /**
   * The page was not controlled when it loaded (a first visit): its media
   * elements started outside the SW, and are handed over once a peer holds
   * their film (players.ts).
   */
  playersStartedOutside?: boolean
  debug: boolean
  onStatus: (s: EngineStatus) => void
}

export interface EngineHandle {
  status: () => EngineStatus
  stop: () => Promise<void>
}

/** One release's swarm (the engine follows the SW's current release from one to the next). */
interface Running extends EngineHandle { infoHash: string }

/** Waits until this page is controlled by the SW (first visits: after claim()). */
function controlled (timeoutMs: number): Promise<boolean> {
  if (navigator.serviceWorker?.controller) return Promise.resolve(true)
  return new Promise((resolve) => {
    const t = setTimeout(() => resolve(false), timeoutMs)
    navigator.serviceWorker?.addEventListener('controllerchange', () => { clearTimeout(t); resolve(true) }, { once: true })
  })
}

/** Assets this page loaded before the SW controlled it: the SW re-reads them from the HTTP cache and keeps them. */
function adoptLoaded (manifest: Manifest): void {
  const paths = performance.getEntriesByType('resource')
    .map((e) => new URL(e.name, location.href))
    .filter((u) => u.origin === location.origin && u.pathname in manifest.assets)
    .map((u) => u.pathname)
  if (paths.length) navigator.serviceWorker.controller?.postMessage({ type: 'swarmcdn:adopt', paths: [...new Set(paths)] })
}

async function fetchTorrent (manifest: Manifest, manifestUrl: string): Promise<Uint8Array> {
  // The torrent's name is its infohash, so its bytes never change: any cached
  // copy will do (and the infohash is checked after parsing anyway).
  const res = await fetch(new URL(manifest.torrent, manifestUrl), { cache: 'force-cache' })
  if (!res.ok) throw new Error(`torrent answered HTTP ${res.status}`)
  return new Uint8Array(await res.arrayBuffer())
}

async function currentRelease (): Promise<Manifest> {
  const raw = await askSw<unknown>('swarmcdn:manifest')
  if (!raw) throw new Error('service worker has no release (P2P off)')
  return parseManifest(raw)
}

/**
 * Runs the swarm of the SW's current release and follows it: when the SW
 * finds a new release (`swarmcdn:release`), this leader leaves the old swarm
 * and joins the new one, so pages of the new release get P2P. Unchanged
 * assets keep their store entries (keyed by integrity), so the new swarm
 * seeds them at once from the store's index.
 */
export async function start (opts: EngineOptions): Promise<EngineHandle> {
  setDebug(opts.debug)
  useScope(opts.scope)
  const startedAt = Date.now()
  if (!(await controlled(CONTROL_TIMEOUT_MS))) throw new Error('page not controlled by the swarmcdn service worker')
  let inner: Running | null = null
  let shown: Running
  let stopped = false
  let chain: Promise<void> = Promise.resolve()
  const follow = async (): Promise<void> => {
    if (stopped || !inner) return
    const m = await currentRelease()
    if (stopped || m.infoHash === inner.infoHash) return
    debug('following release', m.infoHash)
    const old = inner
    inner = null
    await old.stop()
    // Until the new swarm is ready, status() reports the old one (stopped).
    // The page's players were handed over (or left alone) in the first release.
    inner = shown = await startRelease({ ...opts, playersStartedOutside: false }, m, startedAt)
    if (stopped) await inner.stop()
  }
  const onSwMessage = (e: MessageEvent<SwToPage | null>): void => {
    if (e.data?.type !== 'swarmcdn:release') return
    chain = chain.then(follow).catch((err: unknown) => debug('release switch failed', err))
  }
  // Listening before asking: a release found while this engine starts is not missed.
  navigator.serviceWorker.addEventListener('message', onSwMessage)
  try {
    inner = shown = await startRelease(opts, await currentRelease(), startedAt)
  } catch (err) {
    navigator.serviceWorker.removeEventListener('message', onSwMessage)
    throw err
  }
  // A release that arrived while the first one started.
  chain = chain.then(follow).catch((err: unknown) => debug('release switch failed', err))
  return {
    status: () => shown.status(),
    stop: async () => {
      stopped = true
      navigator.serviceWorker.removeEventListener('message', onSwMessage)
      await chain
      await inner?.stop()
    }
  }
}

async function startRelease (opts: EngineOptions, manifest: Manifest, startedAt: number): Promise<Running> {
  adoptLoaded(manifest)

  const torrentFile = await fetchTorrent(manifest, opts.manifestUrl)
  const map = new PieceMap(manifest, manifest.pieceLength)
  let lost: (i: number) => void = () => {}
  const store = new CacheChunkStore(map, opts.scope, (i) => lost(i))
  // The torrent starts over an empty index, so WebTorrent's own start-up check
  // finds nothing to read or hash; then the store's index (Cache Storage keys,
  // no entry opened) says which pieces it holds, and they are marked at once.
  const swarm = await joinSwarm({
    manifest, torrentFile, store, iceServers: opts.iceServers,
    iceTransportPolicy: opts.iceTransportPolicy ?? 'all', uploadLimit: opts.uploadLimit, debug
  })
  const { torrent, files } = swarm
  lost = (i) => markUnverified(torrent, i)
  await store.load()
  for (let i = 0; i < map.numPieces; i++) if (map.held(i, store.index)) markVerified(torrent, i)
  const readyAt = Date.now()
  debug('joined', torrent.infoHash)

  let stopped = false
  let firstPeerAt: number | null = null
  /** Last peer count told to the SW (-1: tell it again, e.g. after re-attaching). */
  let peersSent = -1
  let uploadedSent = 0
  const bans = new Bans(torrent, (id) => debug('banned peer', id))
  uploadPolicy(torrent, opts.uploadBudget)
  const holders = new Holders(torrent)
  const server = createServer({ torrent, manifest, files, holders })
  const players = opts.playersStartedOutside === true
    ? watchPlayers(manifest, (a) => holders.hold(...pieceSpan(torrent.pieceLength, a.offset, a.offset + a.size)))
    : null
  const link = linkToSw({
    infoHash: torrent.infoHash,
    ...(opts.storageBudget !== undefined ? { storageBudget: opts.storageBudget } : {}),
    onLink: (l) => {
      server.install(l)
      l.on('kept', ({ infoHash, keys }) => { if (infoHash === torrent.infoHash) for (const i of store.kept(keys)) markVerified(torrent, i) })
      l.on('dropped', ({ keys }) => { for (const i of store.dropped(keys)) markUnverified(torrent, i) })
      peersSent = -1
    }
  })

  const prefetch = startPrefetch({
    manifest,
    scope: opts.scope,
    files,
    budget: opts.prefetchBudget,
    peersHold: (a) => holders.hold(...pieceSpan(torrent.pieceLength, a.offset, a.offset + a.size)),
    onDemand: () => server.pending() > 0,
    store: async (path, data) => {
      const l = link.current()
      if (!l) return false
      try { return (await l.call('prefetched', { path, infoHash: torrent.infoHash, data }, { timeoutMs: STORE_ANSWER_MS, transfer: [data] })).ok } catch { return false }
    },
    swarmChange: (ms) => new Promise((resolve) => {
      const done = (): void => { clearTimeout(t); torrent.removeListener('wire', done); resolve() }
      const t = setTimeout(done, ms)
      torrent.on('wire', done)
    }),
    debug
  })
  window.addEventListener('pagehide', prefetch.stop)

  const status = (): EngineStatus => statusOf({
    torrent, numPieces: map.numPieces, bans, patches, prefetch: () => prefetch.progress,
    piecesInMemory: () => store.piecesInMemory, startedAt, readyAt, firstPeerAt: () => firstPeerAt, running: () => !stopped
  })
  const pushStatus = (): void => {
    if (stopped) return
    const s = status()
    if (s.peers !== peersSent) { peersSent = s.peers; link.current()?.notify('peers', { n: s.peers }) }
    // Once per status tick at most: the SW reports it to the origin in batches.
    if (s.bytesUploaded !== uploadedSent) { uploadedSent = s.bytesUploaded; link.current()?.notify('uploaded', { bytes: s.bytesUploaded }) }
    opts.onStatus(s)
  }
  torrent.on('wire', (wire: { on: (ev: string, fn: () => void) => void }) => {
    firstPeerAt ??= Date.now()
    wire.on('close', pushStatus)
    // A peer's pieces are known from what follows the wire: a bitfield, haves,
    // or a seeder's have-all (BEP 6).
    if (players) for (const ev of ['bitfield', 'have', 'have-all']) wire.on(ev, players.check)
    pushStatus()
  })
  players?.check()
  const timer = setInterval(pushStatus, STATUS_INTERVAL_MS)
  pushStatus()

  return {
    infoHash: torrent.infoHash,
    status,
    stop: async () => {
      if (stopped) return
      stopped = true
      clearInterval(timer)
      players?.stop()
      prefetch.stop()
      window.removeEventListener('pagehide', prefetch.stop)
      server.stopAll()
      link.stop()
      await swarm.destroy()
      opts.onStatus(status())
    }
  }
}
