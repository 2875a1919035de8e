// The engine: runs in the leader tab only (one per origin, Web Locks). Joins
// the release swarm with WebTorrent, answers the SW's byte requests from
// connected peers, and seeds every verified asset this visitor holds.
import WebTorrent, { type Torrent, type TorrentFile, type Wire } from 'webtorrent/dist/webtorrent.min.js'
import { parseManifest, pieceSpan, resolveTrackers, type Manifest } from '../shared/manifest.js'
import type { EngineStatus, EngineToSw, FallbackReason, SwToEngine } from '../shared/protocol.js'
import { makeDebug, setDebug } from '../shared/debug.js'
import { Bans } from './bans.js'
import { batchWire, coalesceUpdates, flushWithoutCopy } from './wire-batching.js'
import { concatBytes } from './bytes.js'
import { MemoryStore } from './memory-store.js'
import { buildPieces, CacheReader, PieceMap } from './pieces.js'
import { startPrefetch } from './prefetch.js'
import { endRead } from './file-read.js'
import { fastTrackerReconnect } from './tracker-reconnect.js'

const debug = makeDebug('engine')

/**
 * A wire that just connected has not sent its bitfield yet; "no peer has it"
 * decided in that instant is wrong. Wait this long for fresh wires to speak —
 * within the SW's LEADER_ANSWER_MS (600 ms).
 */
const ENGINE_BITFIELD_WAIT_MS = 250
/** Wires younger than this may still be about to send their bitfield. */
const FRESH_WIRE_MS = 1500
/** Verified pieces handed to the SW in one message: one verification unit (256 KiB block). */
const HANDOFF_BATCH_BYTES = 256 * 1024
/** Peers asked for (and offers built) per tracker announce. */
const OFFERS_PER_ANNOUNCE = 2
/** How often every tab hears the engine's status. */
const STATUS_INTERVAL_MS = 1000
/**
 * Messages on a MessagePort do not keep a service worker alive (Chromium stops
 * it after ~30 s without events); a message to the SW itself does.
 */
const SW_HEARTBEAT_MS = 10_000
/** The SW answers a prefetch store within this time or it counts as failed. */
const STORE_ANSWER_MS = 10_000

export interface EngineOptions {
  manifestUrl: string
  scope: string
  iceServers: RTCIceServer[]
  /** Bytes per second; 0 = unlimited. */
  uploadLimit: number
  /** Total bytes this page may upload; Infinity = unlimited. */
  uploadBudget: number
  /** Bytes a visit (this tab's session) may prefetch from peers for linked pages. */
  prefetchBudget: number
  debug: boolean
  onStatus: (s: EngineStatus) => void
}

export interface EngineHandle {
  status: () => EngineStatus
  stop: () => Promise<void>
}

async function askSw<T> (type: string, timeoutMs = 5000): Promise<T | null> {
  const sw = navigator.serviceWorker?.controller
  if (!sw) return null
  const ch = new MessageChannel()
  const answer = new Promise<T>((resolve) => { ch.port1.onmessage = (e) => resolve(e.data as T) })
  sw.postMessage({ type, reply: ch.port2 }, [ch.port2])
  const timeout = new Promise<null>((resolve) => setTimeout(() => resolve(null), timeoutMs))
  const r = await Promise.race([answer, timeout])
  ch.port1.close()
  return r
}

/** Waits until this page is controlled by the SW (first visits: after claim()). */
function controlled (timeoutMs: number): Promise<boolean> {
  if (navigator.serviceWorker?.controller) return Promise.resolve(true)
  return new Promise((resolve) => {
    const t = setTimeout(() => resolve(false), timeoutMs)
    navigator.serviceWorker?.addEventListener('controllerchange', () => { clearTimeout(t); resolve(true) }, { once: true })
  })
}

export async function start (opts: EngineOptions): Promise<EngineHandle> {
  setDebug(opts.debug)
  const startedAt = Date.now()
  if (!(await controlled(15_000))) throw new Error('page not controlled by the swarmcdn service worker')
  const raw = await askSw<unknown>('swarmcdn:manifest')
  if (!raw) throw new Error('service worker has no release (P2P off)')
  const manifest: Manifest = parseManifest(raw)

  // Assets this page loaded before the SW controlled it: the SW re-reads them
  // from the HTTP cache (no origin request), verifies and keeps them to seed.
  const loadedHere = performance.getEntriesByType('resource')
    .map((e) => new URL(e.name, location.href))
    .filter((u) => u.origin === location.origin && u.pathname in manifest.assets)
    .map((u) => u.pathname)
  if (loadedHere.length) navigator.serviceWorker.controller?.postMessage({ type: 'swarmcdn:adopt', paths: [...new Set(loadedHere)] })

  // The torrent's name is its infohash, so its bytes never change: any cached
  // copy will do, without a revalidation round trip on every navigation (and
  // the infohash is checked below anyway).
  const torrentRes = await fetch(new URL(manifest.torrent, opts.manifestUrl), { cache: 'force-cache' })
  if (!torrentRes.ok) throw new Error(`torrent answered HTTP ${torrentRes.status}`)
  const torrentBuf = new Uint8Array(await torrentRes.arrayBuffer())

  const client = new WebTorrent({
    tracker: {
      rtcConfig: { iceServers: opts.iceServers },
      // Each announce pre-builds one RTCPeerConnection offer per wanted peer
      // (bittorrent-tracker caps it at 5). A visitor fetches from a couple of
      // peers; more offers only cost the page CPU while it loads and count
      // against Chromium's per-tab connection limit.
      getAnnounceOpts: () => ({ numwant: OFFERS_PER_ANNOUNCE })
    },
    dht: false,
    lsd: false,
    utPex: false,
    webSeeds: false
  })
  if (opts.uploadLimit > 0) client.throttleUpload(opts.uploadLimit)
  client.on('error', (err: Error) => debug('client error', err.message))

  const store = new MemoryStore(manifest.pieceLength)
  const announce = resolveTrackers(manifest.trackers, location.origin)
  const torrent: Torrent = client.add(torrentBuf, {
    announce,
    deselect: true,
    // One store instance the engine can also write to (seeding imported pieces).
    preloadedStore: store,
    storeCacheSlots: 0
  })
  torrent.on('warning', (err: Error) => debug('warning', err.message))
  torrent.on('error', (err: Error) => debug('torrent error', err.message))

  await new Promise<void>((resolve, reject) => {
    if (torrent.ready) return resolve()
    torrent.once('ready', () => resolve())
    torrent.once('error', (err: Error) => reject(err))
  })
  if (torrent.infoHash !== manifest.infoHash) {
    client.destroy()
    throw new Error(`torrent infohash ${torrent.infoHash} does not match the manifest's ${manifest.infoHash}`)
  }
  debug('joined', torrent.infoHash, 'trackers', announce)
  // Trackers are created when discovery starts, right after 'ready'.
  if (!fastTrackerReconnect(torrent)) setTimeout(() => fastTrackerReconnect(torrent), 0)
  const readyAt = Date.now()

  const map = new PieceMap(manifest, torrent.pieceLength)
  // Torrent files map to manifest assets by byte offset: exact whatever the
  // file names and their URL encoding are.
  const byOffset = new Map<number, TorrentFile>()
  for (const f of torrent.files) byOffset.set(f.offset, f)
  const files = new Map<string, TorrentFile>()
  for (const [path, a] of Object.entries(manifest.assets)) {
    const f = byOffset.get(a.offset)
    if (f && f.length === a.size) files.set(path, f)
  }

  let firstPeerAt: number | null = null
  const wireSeen = new WeakMap<Wire, number>()
  const bitfieldSeen = new WeakSet<Wire>()
  const bans = new Bans(torrent, (id) => debug('banned peer', id))
  coalesceUpdates(torrent)
  flushWithoutCopy(torrent)

  // ── upload policy ───────────────────────────────────────────────────────
  let uploadBlocked = false
  const blockUploads = (): void => {
    uploadBlocked = true
    for (const w of torrent.wires) { w.choke(); w.unchoke = () => {} }
  }
  torrent.on('wire', (wire: Wire) => {
    batchWire(wire)
    wireSeen.set(wire, Date.now())
    firstPeerAt ??= Date.now()
    wire.once('bitfield', () => bitfieldSeen.add(wire))
    wire.once('have', () => bitfieldSeen.add(wire))
    if (uploadBlocked) { wire.choke(); wire.unchoke = () => {} }
    pushStatus()
  })
  torrent.on('upload', () => {
    if (!uploadBlocked && torrent.uploaded >= opts.uploadBudget) blockUploads()
  })

  // ── seeding what Cache Storage holds ────────────────────────────────────
  const reader = (): CacheReader => new CacheReader(opts.scope)
  const importPieces = async (indices: Iterable<number>): Promise<void> => {
    const todo = [...indices].filter((i) => !torrent.bitfield.get(i))
    if (!todo.length || torrent.destroyed) return
    const n = await buildPieces(map, torrent._hashes, todo, reader(), (i, buf) => {
      if (torrent.destroyed || torrent.bitfield.get(i)) return
      store.put(i, buf, () => {
        if (torrent.destroyed || torrent.bitfield.get(i)) return
        torrent._markVerified(i)
        for (const w of torrent.wires) w.have(i)
      })
    })
    if (n) debug('seeding', n, 'pieces from the verified cache')
    pushStatus()
  }
  const importAsset = (path: string): Promise<void> => {
    const a = manifest.assets[path]
    if (!a) return Promise.resolve()
    const [p0, p1] = map.piecesOf(a)
    const ids: number[] = []
    for (let i = p0; i <= p1; i++) ids.push(i)
    return importPieces(ids)
  }
  const all: number[] = []
  for (let i = 0; i < map.numPieces; i++) all.push(i)
  void importPieces(all)

  // ── answering the SW ────────────────────────────────────────────────────
  const active = new Map<number, { destroy: () => void }>()

  const holds = (p0: number, p1: number): boolean => {
    for (let i = p0; i <= p1; i++) {
      if (torrent.bitfield.get(i)) continue
      if (!torrent.wires.some((w) => !w.destroyed && w.peerPieces.get(i))) return false
    }
    return true
  }
  const waitForHolders = async (p0: number, p1: number): Promise<boolean> => {
    if (holds(p0, p1)) return true
    const now = Date.now()
    const fresh = torrent.wires.some((w) => !bitfieldSeen.has(w) && now - (wireSeen.get(w) ?? 0) < FRESH_WIRE_MS)
    if (!fresh) return false
    const deadline = now + ENGINE_BITFIELD_WAIT_MS
    while (Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 25))
      if (holds(p0, p1)) return true
    }
    return false
  }

  let port: MessagePort | null = null
  const send = (msg: EngineToSw, transfer: Transferable[] = []): void => { port?.postMessage(msg, transfer) }
  const storeWaiters = new Map<string, (ok: boolean) => void>()

  const onGet = async (id: number, path: string, start: number, end: number, infoHash: string): Promise<void> => {
    const no = (reason: FallbackReason): void => send({ t: 'no', id, reason })
    if (infoHash !== torrent.infoHash) return no('release-mismatch')
    const asset = manifest.assets[path]
    const file = files.get(path)
    if (!asset || !file || start < 0 || end > asset.size || start >= end) return no('no-peer-has-it')
    const [p0, p1] = pieceSpan(torrent.pieceLength, asset.offset + start, asset.offset + end)
    if (!(await waitForHolders(p0, p1))) return no('no-peer-has-it')
    const it = file[Symbol.asyncIterator]({ start, end: end - 1 })
    let closed = false
    const stop = (): void => { if (!closed) { closed = true; active.delete(id); endRead(it) } }
    active.set(id, { destroy: stop })
    // Bytes handed over so far, to know which piece the iterator reads next.
    let pos = start
    const pieceAt = (p: number): number => Math.floor((asset.offset + p) / torrent.pieceLength)
    const stream = new ReadableStream<Uint8Array>({
      pull: async (c) => {
        const r = await it.next()
        if (r.done || closed) { stop(); c.close(); return }
        pos += r.value.length
        // Each chunk crosses to the SW as its own message; pieces already
        // verified here are batched into one (16 KiB pieces one by one were
        // the handoff's main cost).
        let parts: Uint8Array[] | null = null
        let size = r.value.length
        while (size < HANDOFF_BATCH_BYTES && pos < end && torrent.bitfield.get(pieceAt(pos))) {
          const more = await it.next()
          if (more.done || closed) break
          ;(parts ??= [r.value]).push(more.value)
          size += more.value.length
          pos += more.value.length
        }
        // A block may be a view into a larger received message (wire-batching's
        // flushWithoutCopy); a chunk crossing to the SW carries its whole buffer.
        if (!parts) { c.enqueue(r.value.byteLength === r.value.buffer.byteLength ? r.value : r.value.slice()); return }
        c.enqueue(concatBytes(parts, size))
      },
      cancel: stop
    })
    try {
      send({ t: 'stream', id, stream }, [stream as unknown as Transferable])
    } catch {
      // Streams are not transferable here (Safari): send chunks instead.
      void (async () => {
        const r2 = stream.getReader()
        try {
          for (;;) {
            const { done, value } = await r2.read()
            if (done || closed) break
            const copy = value.slice().buffer
            send({ t: 'chunk', id, data: copy }, [copy])
          }
          send({ t: 'end', id })
        } catch {
          send({ t: 'error', id, reason: 'stalled' })
        }
      })()
    }
  }

  const onPortMessage = (e: MessageEvent<SwToEngine>): void => {
    const msg = e.data
    switch (msg.t) {
      case 'get': void onGet(msg.id, msg.path, msg.start, msg.end, msg.infoHash); break
      case 'cancel': active.get(msg.id)?.destroy(); break
      case 'have': if (msg.infoHash === torrent.infoHash) void importAsset(msg.path); break
      case 'ping': send({ t: 'pong', n: msg.n }); break
      case 'stored': storeWaiters.get(msg.path)?.(msg.ok); storeWaiters.delete(msg.path); break
    }
  }

  /** Last peer count told to the SW (-1: tell it again, e.g. after re-attaching). */
  let peersSent = -1
  const attach = (): void => {
    const sw = navigator.serviceWorker?.controller
    if (!sw) return
    port?.close()
    const ch = new MessageChannel()
    port = ch.port1
    port.onmessage = onPortMessage
    sw.postMessage({ type: 'swarmcdn:leader', port: ch.port2, infoHash: torrent.infoHash }, [ch.port2])
    peersSent = -1
  }
  attach()
  // The SW restarts when idle and forgets our port; it asks the windows again.
  const onSwMessage = (e: MessageEvent): void => {
    if ((e.data as { type?: string } | null)?.type === 'swarmcdn:need-leader') attach()
  }
  navigator.serviceWorker.addEventListener('message', onSwMessage)
  navigator.serviceWorker.addEventListener('controllerchange', attach)

  // ── prefetch for the next pages ─────────────────────────────────────────
  const swarmChange = (ms: number): Promise<void> => new Promise((resolve) => {
    const done = (): void => { clearTimeout(t); torrent.removeListener('wire', done); resolve() }
    const t = setTimeout(done, ms)
    torrent.on('wire', done)
  })
  const prefetch = startPrefetch({
    manifest,
    scope: opts.scope,
    files,
    budget: opts.prefetchBudget,
    peersHold: (asset) => holds(...pieceSpan(torrent.pieceLength, asset.offset, asset.offset + asset.size)),
    store: (path, data) => new Promise<boolean>((resolve) => {
      const t = setTimeout(() => { storeWaiters.delete(path); resolve(false) }, STORE_ANSWER_MS)
      storeWaiters.set(path, (ok) => { clearTimeout(t); resolve(ok) })
      send({ t: 'prefetched', path, infoHash: torrent.infoHash, data }, [data])
    }),
    swarmChange,
    debug
  })

  // A navigation ends this engine: tell the SW now, so the next page's
  // requests do not wait on a port nobody reads.
  const onPageHide = (): void => { prefetch.stop(); send({ t: 'bye' }) }
  window.addEventListener('pagehide', onPageHide)
  const heartbeat = setInterval(() => navigator.serviceWorker.controller?.postMessage({ type: 'swarmcdn:heartbeat' }), SW_HEARTBEAT_MS)

  // ── status ──────────────────────────────────────────────────────────────
  let stopped = false
  const status = (): EngineStatus => {
    let held = 0
    for (let i = 0; i < map.numPieces; i++) if (torrent.bitfield.get(i)) held++
    return {
      running: !stopped,
      infoHash: torrent.infoHash,
      peers: torrent.wires.filter((w) => !w.destroyed).length,
      bytesUploaded: torrent.uploaded,
      bytesDownloaded: torrent.downloaded,
      uploadSpeed: torrent.uploadSpeed,
      downloadSpeed: torrent.downloadSpeed,
      piecesHeld: held,
      piecesTotal: map.numPieces,
      banned: bans.banned.size,
      bytesWasted: bans.wastedBytes,
      startedAt,
      firstPeerAt,
      readyAt,
      prefetch: { ...prefetch.progress }
    }
  }
  const pushStatus = (): void => {
    if (stopped) return
    const s = status()
    if (s.peers !== peersSent) { peersSent = s.peers; send({ t: 'peers', n: s.peers }) }
    opts.onStatus(s)
  }
  torrent.on('wire', (wire: Wire) => { wire.on('close', pushStatus) })
  const timer = setInterval(pushStatus, STATUS_INTERVAL_MS)
  pushStatus()

  return {
    status,
    stop: async () => {
      if (stopped) return
      stopped = true
      clearInterval(timer)
      clearInterval(heartbeat)
      prefetch.stop()
      window.removeEventListener('pagehide', onPageHide)
      send({ t: 'bye' })
      navigator.serviceWorker.removeEventListener('message', onSwMessage)
      navigator.serviceWorker.removeEventListener('controllerchange', attach)
      for (const a of active.values()) a.destroy()
      port?.close()
      port = null
      await new Promise<void>((resolve) => client.destroy(() => resolve()))
      opts.onStatus(status())
    }
  }
}
