// swarmcdn.js — what the site's one <script defer> tag loads. Tiny, no
// webtorrent: registers the SW, exposes window.swarmcdn, and (only after the
// page's load event, when idle, and when P2P is allowed) imports the engine in
// one leader tab.
import type { EngineStatus, SwToPage } from '../shared/protocol.js'
import type { SwarmcdnEventDetails } from '../shared/events.js'
import { makeDebug, setDebug } from '../shared/debug.js'
import { readOptions, type LoaderOptions } from './options.js'
import { iceSource } from './ice.js'
import { connection, p2pBlockedReason, supported, whenIdle } from './gate.js'
import { LeaderLock } from './leader.js'
import { controlled, registerSw, siteDisabled } from './register.js'
import { swStats } from './sw-stats.js'
import type { EngineHandle, EngineModule, SwarmcdnStats } from './types.js'
import { CONSENT_KEY, DISABLED_KEY, KILLED_KEY, OPTOUT_KEY, load, store, useStorageScope } from './storage.js'

const debug = makeDebug('page')


class Swarmcdn extends EventTarget {
  readonly version = '0.1.0'
  readonly options: LoaderOptions
  /** Resolves true once this page is controlled by the swarmcdn SW, false if it never will be. */
  readonly ready: Promise<boolean>
  private engineStatus: EngineStatus | null = null
  private engine: EngineHandle | null = null
  private readonly lock: LeaderLock
  private readonly iceServers: () => Promise<RTCIceServer[]>
  private isLeader = false
  /** The page sits in the back/forward cache (between pagehide and pageshow). */
  private hidden = false
  private watching = false
  private channel: BroadcastChannel | null = null
  private registration: ServiceWorkerRegistration | null = null
  /** A first visit: the page's players started before the SW controlled it (engine players.ts). */
  private readonly uncontrolledAtLoad = !navigator.serviceWorker?.controller

  constructor (opts: LoaderOptions, problems: string[]) {
    super()
    this.options = opts
    useStorageScope(opts.scope)
    this.lock = new LeaderLock(new URL(opts.scope).pathname)
    setDebug(opts.debug)
    this.iceServers = iceSource(opts.iceUrl, opts.iceServers)
    for (const p of problems) console.error(`swarmcdn: ${p}`)
    // After DOMContentLoaded every deferred script has run, so a listener the
    // site adds right after the loader hears it.
    const report = (): void => { for (const message of problems) this.emit('error', { message }) }
    // A deferred loader runs while readyState is already 'interactive' but
    // before DOMContentLoaded (the scripts after it have not run yet): the
    // navigation timing says whether that event is still to come.
    const nav = performance.getEntriesByType?.('navigation')[0] as PerformanceNavigationTiming | undefined
    if (document.readyState === 'loading' || nav?.domContentLoadedEventStart === 0) document.addEventListener('DOMContentLoaded', report, { once: true })
    else setTimeout(report)
    this.ready = this.init()
  }

  /** Typed by SwarmcdnEventMap (src/shared/events.ts, shipped as dist/swarmcdn.d.ts). */
  private emit<K extends keyof SwarmcdnEventDetails> (type: K, ...detail: SwarmcdnEventDetails[K] extends undefined ? [] : [SwarmcdnEventDetails[K]]): void {
    this.dispatchEvent(new CustomEvent(type, { detail: detail[0] }))
  }

  private openChannel (): void {
    try {
      this.channel = new BroadcastChannel(`swarmcdn-status ${this.options.scope}`)
      this.channel.onmessage = (e: MessageEvent<EngineStatus>) => { if (!this.isLeader) this.onStatus(e.data) }
    } catch { /* no BroadcastChannel: stats only from this tab */ }
  }

  /** Hooks that stop P2P the moment it is no longer allowed, and start it again when it is. */
  private watch (): void {
    navigator.serviceWorker.addEventListener('message', (e) => {
      const msg = e.data as SwToPage | null
      if (msg?.type === 'swarmcdn:delivery') this.emit('delivery', { path: msg.path, ...msg.delivery })
      if (msg?.type === 'swarmcdn:killed') {
        store(KILLED_KEY, '1')
        void this.stopEngine().then(() => this.emit('disabled'))
      }
    })
    // Another tab opted out or in: consent is the visitor's, not the tab's.
    window.addEventListener('storage', (e) => {
      // A consent UI in this tab hears the other tab's choice too.
      if (e.key === OPTOUT_KEY) this.emit(e.newValue ? 'optout' : 'optin')
      if (e.key === OPTOUT_KEY || e.key === CONSENT_KEY || e.key === null) this.reconsider()
    })
    // Save-Data or a metered link may come and go during a visit.
    connection()?.addEventListener?.('change', () => this.reconsider())
    // The back/forward cache keeps no page that holds or waits for the lock:
    // stop here and take leadership back if the page is restored.
    window.addEventListener('pagehide', () => {
      this.hidden = true
      void this.stopEngine()
      this.channel?.close()
      this.channel = null
    })
    window.addEventListener('pageshow', (e) => {
      if (!e.persisted) return
      this.hidden = false
      this.openChannel()
      whenIdle(() => this.reconsider())
    })
  }

  /** Stops the engine if P2P is no longer allowed here, or starts it if it now is. */
  private reconsider (): void {
    const blocked = this.p2pBlockedReason()
    if (blocked) {
      if (this.lock.active) { debug('P2P off:', blocked); void this.stopEngine() }
    } else {
      void this.ready.then((ok) => { if (ok) void this.maybeStartEngine() })
    }
  }

  private async init (): Promise<boolean> {
    if (!supported()) { debug('no service worker support here: swarmcdn stays off'); return false }
    // Once per page: optIn() after disable() runs init() again.
    if (!this.watching) { this.watching = true; this.openChannel(); this.watch() }
    if (load(DISABLED_KEY) === '1') { debug('disabled by this visitor'); return false }
    if (load(KILLED_KEY) === '1') {
      // Registering again would let the SW claim this page before it saw the
      // flag; ask the manifest first (one conditional request, only here).
      if (await siteDisabled(this.options.manifest)) { debug('disabled by the site (kill switch)'); return false }
      store(KILLED_KEY, null)
    }
    // register() on an unregistering registration revives it (SW spec,
    // "Register" clears the uninstalling flag): ask the controlling SW, if any, first.
    const sw = await swStats()
    if (sw?.killed) {
      store(KILLED_KEY, '1')
      return false
    }
    const registration = await registerSw(this.options, sw !== null, debug)
    if (registration === false) return false
    // Kept even if the SW never claims this page: disable() unregisters it.
    this.registration = registration
    if (!await controlled()) return false
    this.emit('ready')
    whenIdle(() => { void this.maybeStartEngine() })
    return true
  }

  /** Why P2P is off for this visitor, or null when it is allowed. */
  p2pBlockedReason (): string | null {
    return p2pBlockedReason(this.options.optIn)
  }

  private async maybeStartEngine (): Promise<void> {
    const blocked = this.p2pBlockedReason()
    if (blocked) { debug('P2P off:', blocked); return }
    if (this.hidden) return
    this.lock.request(async (dropped) => {
      // Consent may have been withdrawn while the request waited in the queue.
      if (this.p2pBlockedReason() || this.hidden) { if (!dropped.aborted) this.lock.drop(); return }
      this.isLeader = true
      try {
        const o = this.options
        const [mod, iceServers] = await Promise.all([import(/* @vite-ignore */ o.engine) as Promise<EngineModule>, this.iceServers()])
        const handle = await mod.start({
          manifestUrl: o.manifest,
          scope: this.registration?.scope ?? o.scope,
          iceServers,
          iceTransportPolicy: o.iceTransportPolicy,
          uploadLimit: o.uploadLimit,
          uploadBudget: o.uploadBudget,
          prefetchBudget: o.prefetchBudget,
          ...((o.storageBudget ?? -1) >= 0 ? { storageBudget: o.storageBudget } : {}),
          playersStartedOutside: this.uncontrolledAtLoad,
          debug: o.debug,
          onStatus: (s) => { this.onStatus(s); this.channel?.postMessage(s) }
        })
        // Stopped (pagehide, opt-out) while it was starting: undo.
        if (dropped.aborted) { await handle.stop(); return }
        this.engine = handle
        this.emit('engine', handle.status())
      } catch (err) {
        debug('engine did not start', err)
        this.emit('error', { message: err instanceof Error ? err.message : String(err) })
        // No engine runs here: stats() must not report this tab as the leader.
        this.isLeader = false
        if (!dropped.aborted) this.lock.drop()
      }
    })
  }

  private async stopEngine (): Promise<void> {
    const e = this.engine
    this.engine = null
    this.isLeader = false
    // First the lock, synchronously: the next leader (or the bfcache) must not wait on teardown.
    this.lock.drop()
    if (e) await e.stop().catch(() => {})
  }

  private onStatus (s: EngineStatus): void {
    const before = this.engineStatus?.peers
    this.engineStatus = s
    this.emit('status', s)
    if (before !== s.peers) this.emit('peers', { peers: s.peers })
  }

  async stats (): Promise<SwarmcdnStats> {
    const sw = supported() ? await swStats() : null
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
      controlled: !!navigator.serviceWorker?.controller,
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
  const problems: string[] = []
  window.swarmcdn = new Swarmcdn(readOptions(script, (p) => problems.push(p)), problems)
}
