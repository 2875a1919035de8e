// swarmcdn.js — what the site's one <script defer> tag loads. Tiny, no
// webtorrent: registers the SW, exposes window.swarmcdn, and (only after the
// page's load event, when idle, and when P2P is allowed) imports the engine in
// one leader tab.
import { Workbox } from 'workbox-window'
import type { AssetDelivery, EngineStatus, SwStats } from '../shared/protocol.js'
import { makeDebug, setDebug } from '../shared/debug.js'
import { readOptions, type LoaderOptions } from './options.js'

const debug = makeDebug('page')
const LEADER_LOCK = 'swarmcdn-leader'
const OPTOUT_KEY = 'swarmcdn:optout'
const CONSENT_KEY = 'swarmcdn:consent'
/** The site's kill switch fired: re-check the manifest before registering again. */
const KILLED_KEY = 'swarmcdn:killed'
/** The visitor called disable(): no service worker until optIn(). */
const DISABLED_KEY = 'swarmcdn:disabled'
/** How long a first visit waits for the new SW to take control. */
const CLAIM_TIMEOUT_MS = 10_000
/** stats() never waits longer than this on the SW. */
const STATS_TIMEOUT_MS = 1000

export interface SwarmcdnStats {
  bytesFromPeers: number
  bytesFromOrigin: number
  bytesFromCache: number
  bytesUploaded: number
  bytesPrefetched: number
  bytesRejected: number
  peers: number
  leader: boolean
  engine: EngineStatus | null
  p2p: boolean
  optedOut: boolean
  controlled: boolean
  infoHash: string | null
  assets: Record<string, AssetDelivery>
}

interface EngineModule {
  start: (o: {
    manifestUrl: string, scope: string, iceServers: RTCIceServer[], uploadLimit: number,
    uploadBudget: number, prefetchBudget: number, debug: boolean, onStatus: (s: EngineStatus) => void
  }) => Promise<{ stop: () => Promise<void>, status: () => EngineStatus }>
}

function store (key: string, value: string | null): void {
  try { value === null ? localStorage.removeItem(key) : localStorage.setItem(key, value) } catch { /* storage off */ }
}
function load (key: string): string | null {
  try { return localStorage.getItem(key) } catch { return null }
}

class Swarmcdn extends EventTarget {
  readonly version = '0.1.0'
  readonly options: LoaderOptions
  /** Resolves true once this page is controlled by the swarmcdn SW, false if it never will be. */
  readonly ready: Promise<boolean>
  private engineStatus: EngineStatus | null = null
  private engine: { stop: () => Promise<void>, status: () => EngineStatus } | null = null
  private releaseLock: (() => void) | null = null
  private starting = false
  private isLeader = false
  private channel: BroadcastChannel | null = null
  private registration: ServiceWorkerRegistration | null = null

  constructor (opts: LoaderOptions) {
    super()
    this.options = opts
    setDebug(opts.debug)
    this.ready = this.init()
  }

  private emit (type: string, detail?: unknown): void {
    this.dispatchEvent(new CustomEvent(type, { detail }))
  }

  private supported (): boolean {
    return 'serviceWorker' in navigator && window.isSecureContext
  }

  private async init (): Promise<boolean> {
    if (!this.supported()) { debug('no service worker support here: swarmcdn stays off'); return false }
    try {
      this.channel = new BroadcastChannel('swarmcdn-status')
      this.channel.onmessage = (e: MessageEvent<EngineStatus>) => { if (!this.isLeader) this.onStatus(e.data) }
    } catch { /* no BroadcastChannel: stats only from this tab */ }
    navigator.serviceWorker.addEventListener('message', (e) => {
      const msg = e.data as { type?: string, path?: string, delivery?: AssetDelivery } | null
      if (msg?.type === 'swarmcdn:delivery') this.emit('delivery', { path: msg.path, ...msg.delivery })
      if (msg?.type === 'swarmcdn:killed') {
        store(KILLED_KEY, '1')
        void this.stopEngine().then(() => this.emit('disabled'))
      }
    })
    if (load(DISABLED_KEY) === '1') { debug('disabled by this visitor'); return false }
    if (load(KILLED_KEY) === '1') {
      // Registering again would let the SW claim this page before it saw the
      // flag; ask the manifest first (one conditional request, only here).
      if (await this.siteDisabled()) { debug('disabled by the site (kill switch)'); return false }
      store(KILLED_KEY, null)
    }
    // register() on an unregistering registration revives it (SW spec,
    // "Register" clears the uninstalling flag): ask the controlling SW first.
    if (navigator.serviceWorker.controller && (await this.swStats())?.killed) {
      store(KILLED_KEY, '1')
      return false
    }
    try {
      const url = new URL(this.options.sw)
      url.searchParams.set('manifest', this.options.manifest)
      if (this.options.debug) url.searchParams.set('debug', '1')
      const wb = new Workbox(url.href, { scope: this.options.scope, updateViaCache: 'none' })
      this.registration = (await wb.register()) ?? null
    } catch (err) {
      // Blocked service workers (policy, private mode) leave the site untouched.
      debug('service worker registration failed', err)
      return false
    }
    if (!navigator.serviceWorker.controller) {
      // claim() follows activation within milliseconds; an SW that never claims
      // (kill switch, install failure) must not leave `ready` pending forever.
      const claimed = await Promise.race([
        new Promise<boolean>((resolve) => navigator.serviceWorker.addEventListener('controllerchange', () => resolve(true), { once: true })),
        new Promise<boolean>((resolve) => setTimeout(() => resolve(false), CLAIM_TIMEOUT_MS))
      ])
      if (!claimed) return false
    }
    this.emit('ready')
    this.whenIdle(() => { void this.maybeStartEngine() })
    return true
  }

  private async siteDisabled (): Promise<boolean> {
    try {
      const res = await fetch(this.options.manifest, { cache: 'no-cache' })
      if (!res.ok) return true
      return (await res.json() as { disabled?: unknown }).disabled === true
    } catch { return true }
  }

  /** After the load event and an idle slot: the engine never competes with the page's critical loading. */
  private whenIdle (fn: () => void): void {
    const idle = (): void => {
      if ('requestIdleCallback' in window) requestIdleCallback(fn, { timeout: 2000 })
      else setTimeout(fn, 1)
    }
    if (document.readyState === 'complete') idle()
    else window.addEventListener('load', idle, { once: true })
  }

  /** Why P2P is off for this visitor, or null when it is allowed. */
  p2pBlockedReason (): string | null {
    if (!this.supported()) return 'no service worker'
    if (!('RTCPeerConnection' in window)) return 'no WebRTC'
    if (load(OPTOUT_KEY) === '1') return 'opted out'
    if (this.options.optIn && load(CONSENT_KEY) !== '1') return 'waiting for opt-in'
    const c = (navigator as Navigator & { connection?: { saveData?: boolean, type?: string } }).connection
    if (c?.saveData) return 'Save-Data'
    if (c?.type === 'cellular') return 'cellular connection'
    return null
  }

  private async maybeStartEngine (): Promise<void> {
    const blocked = this.p2pBlockedReason()
    if (blocked) { debug('P2P off:', blocked); return }
    if (this.starting || this.releaseLock) return
    this.starting = true
    const run = async (): Promise<void> => {
      this.isLeader = true
      try {
        const mod = await import(/* @vite-ignore */ this.options.engine) as EngineModule
        const handle = await mod.start({
          manifestUrl: this.options.manifest,
          scope: this.registration?.scope ?? this.options.scope,
          iceServers: this.options.iceServers,
          uploadLimit: this.options.uploadLimit,
          uploadBudget: this.options.uploadBudget,
          prefetchBudget: this.options.prefetchBudget,
          debug: this.options.debug,
          onStatus: (s) => { this.onStatus(s); this.channel?.postMessage(s) }
        })
        this.engine = handle
        this.emit('engine', handle.status())
      } catch (err) {
        debug('engine did not start', err)
        this.emit('error', { message: err instanceof Error ? err.message : String(err) })
        // No engine runs here: stats() must not report this tab as the leader.
        this.isLeader = false
        this.releaseLock?.()
      }
    }
    const held = new Promise<void>((resolve) => { this.releaseLock = resolve })
    this.starting = false
    if (navigator.locks) {
      // One leader per origin; when it closes the lock passes to another tab.
      void navigator.locks.request(LEADER_LOCK, async () => { await run(); await held })
        .catch((err) => debug('leader lock failed', err))
    } else {
      await run()
    }
  }

  private async stopEngine (): Promise<void> {
    const e = this.engine
    this.engine = null
    this.isLeader = false
    if (e) await e.stop().catch(() => {})
    this.releaseLock?.()
    this.releaseLock = null
  }

  private onStatus (s: EngineStatus): void {
    const before = this.engineStatus?.peers
    this.engineStatus = s
    this.emit('status', s)
    if (before !== s.peers) this.emit('peers', { peers: s.peers })
  }

  private async swStats (): Promise<SwStats | null> {
    const sw = navigator.serviceWorker?.controller
    if (!sw) return null
    const ch = new MessageChannel()
    const answer = new Promise<SwStats>((resolve) => { ch.port1.onmessage = (e) => resolve(e.data as SwStats) })
    sw.postMessage({ type: 'swarmcdn:stats', reply: ch.port2 }, [ch.port2])
    const r = await Promise.race([answer, new Promise<null>((resolve) => setTimeout(() => resolve(null), STATS_TIMEOUT_MS))])
    ch.port1.close()
    return r
  }

  async stats (): Promise<SwarmcdnStats> {
    const sw = this.supported() ? await this.swStats() : null
    // The leader reads its engine now; other tabs see its last broadcast (≤ 1 s old).
    if (this.engine) this.engineStatus = this.engine.status()
    const e = this.engineStatus?.running ? this.engineStatus : null
    return {
      bytesFromPeers: sw?.bytesFromPeers ?? 0,
      bytesFromOrigin: sw?.bytesFromOrigin ?? 0,
      bytesFromCache: sw?.bytesFromCache ?? 0,
      bytesUploaded: e?.bytesUploaded ?? 0,
      bytesPrefetched: sw?.bytesPrefetched ?? 0,
      bytesRejected: sw?.bytesRejected ?? 0,
      peers: e?.peers ?? 0,
      leader: this.isLeader,
      engine: this.engineStatus,
      p2p: e !== null,
      optedOut: load(OPTOUT_KEY) === '1',
      controlled: Boolean(navigator.serviceWorker?.controller),
      infoHash: sw?.infoHash ?? null,
      assets: sw?.assets ?? {}
    }
  }

  /** Stops all P2P for this visitor (no tracker traffic, no upload), remembered across visits. */
  async optOut (): Promise<void> {
    store(OPTOUT_KEY, '1')
    store(CONSENT_KEY, null)
    await this.stopEngine()
    this.channel?.postMessage({ ...(this.engineStatus ?? {}), running: false, peers: 0 })
    this.emit('optout')
  }

  /** Gives consent (data-opt-in sites) or undoes optOut(); P2P starts when allowed. */
  async optIn (): Promise<void> {
    store(OPTOUT_KEY, null)
    store(CONSENT_KEY, '1')
    const wasDisabled = load(DISABLED_KEY) === '1'
    store(DISABLED_KEY, null)
    this.emit('optin')
    // After disable() the SW is gone: register it again (takes effect for this page via claim()).
    const ready = wasDisabled ? await this.init() : await this.ready
    if (ready) await this.maybeStartEngine()
  }

  /** Turns swarmcdn off for this visitor: P2P stops, caches are dropped, the SW unregisters. */
  async disable (): Promise<void> {
    store(OPTOUT_KEY, '1')
    store(DISABLED_KEY, '1')
    await this.stopEngine()
    navigator.serviceWorker?.controller?.postMessage({ type: 'swarmcdn:disable' })
    try { await this.registration?.unregister() } catch { /* already gone */ }
    this.emit('disabled')
  }
}

declare global {
  interface Window { swarmcdn?: Swarmcdn }
}

if (!window.swarmcdn) {
  const script = (document.currentScript as HTMLScriptElement | null) ??
    document.querySelector<HTMLScriptElement>('script[src*="swarmcdn.js"]')
  window.swarmcdn = new Swarmcdn(readOptions(script))
}
