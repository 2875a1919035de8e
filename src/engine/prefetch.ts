// Peer prefetch: while the visitor reads a page, fetch from peers (never from
// the origin) the assets of the pages it links to, so the next navigation is
// served from the verified cache. Every navigation restarts the engine, and a
// new page's tag requests arrive long before any engine could connect; without
// this a multi-page site gets almost nothing from peers.
import type { Manifest, ManifestAsset } from '../shared/manifest.js'
import { findPage, prefetchPlan } from '../shared/pages.js'
import { ASSET_CACHE, assetCacheKey, scopedName } from '../shared/cache-keys.js'
import type { TorrentFile } from 'webtorrent/dist/webtorrent.min.js'
import { endRead } from './file-read.js'

/** Bytes prefetched in this tab's visit, across its navigations (per site: one tab may visit two sites on one origin). */
const SPENT_KEY = 'swarmcdn:prefetched'
/** A peer that sends nothing for this long is not worth waiting for. */
const PREFETCH_STALL_MS = 5000
/**
 * When nobody holds what is left, look again after this long or at the next
 * swarm event. A wire's bitfield may arrive before we listen for it, so the
 * event alone is not enough; checking who holds what is cheap.
 */
const RETRY_MS = 300
/** How often a prefetch waiting for the page's own requests looks again. */
const ON_DEMAND_POLL_MS = 100
/**
 * Assets fetched at once: one at a time leaves the data channel idle while a
 * new asset's first pieces are requested (measured 2.8 MB/s for a lone 500 KB
 * asset, 5.8 MB/s once warm).
 */
const PARALLEL = 3

export interface PrefetchDeps {
  manifest: Manifest
  scope: string
  files: Map<string, TorrentFile>
  budget: number
  /** True when connected peers hold every piece of the asset. */
  peersHold: (asset: ManifestAsset) => boolean
  /** Hands verified-by-SHA-1 bytes to the SW, which checks SHA-256 and stores them. */
  store: (path: string, data: ArrayBuffer) => Promise<boolean>
  /** Whether the SW's own requests are being read from peers now: prefetch waits for them (issue 13). */
  onDemand?: () => boolean
  /** Resolves on the next change of the swarm (a wire, a bitfield, a have) or after `ms`. */
  swarmChange: (ms: number) => Promise<void>
  debug: (...args: unknown[]) => void
}

function spentSoFar (scope: string): number {
  try { return Number(sessionStorage.getItem(scopedName(SPENT_KEY, scope))) || 0 } catch { return 0 }
}
function addSpent (scope: string, n: number): void {
  try { sessionStorage.setItem(scopedName(SPENT_KEY, scope), String(spentSoFar(scope) + n)) } catch { /* storage off */ }
}

function idle (): Promise<void> {
  return new Promise((resolve) => {
    if ('requestIdleCallback' in window) requestIdleCallback(() => resolve(), { timeout: 1000 })
    else setTimeout(resolve, 50)
  })
}

function visible (): Promise<void> {
  if (document.visibilityState !== 'hidden') return Promise.resolve()
  return new Promise((resolve) => {
    const on = (): void => {
      if (document.visibilityState === 'hidden') return
      document.removeEventListener('visibilitychange', on)
      resolve()
    }
    document.addEventListener('visibilitychange', on)
  })
}

async function cached (scope: string, asset: ManifestAsset): Promise<boolean> {
  try {
    const c = await caches.open(ASSET_CACHE)
    return (await c.match(assetCacheKey(scope, asset.integrity))) !== undefined
  } catch { return false }
}

/** Reads a whole torrent file from peers, giving up on a stall. */
async function readWhole (file: TorrentFile, size: number, stopped: () => boolean): Promise<ArrayBuffer | null> {
  const out = new Uint8Array(size)
  let got = 0
  const it = file[Symbol.asyncIterator]({ start: 0, end: size - 1 })
  try {
    while (got < size) {
      if (stopped()) return null
      let timer: ReturnType<typeof setTimeout> | undefined
      const stall = new Promise<'stall'>((resolve) => { timer = setTimeout(() => resolve('stall'), PREFETCH_STALL_MS) })
      const r = await Promise.race([it.next(), stall])
      clearTimeout(timer)
      if (r === 'stall' || r.done) return null
      if (got + r.value.length > size) return null
      out.set(r.value, got)
      got += r.value.length
    }
    return out.buffer
  } finally {
    endRead(it)
  }
}

export interface PrefetchProgress { planned: number, done: number, bytes: number, finishedAt: number | null }

export function startPrefetch (deps: PrefetchDeps): { stop: () => void, done: Promise<number>, progress: PrefetchProgress } {
  let stopped = false
  const progress: PrefetchProgress = { planned: 0, done: 0, bytes: 0, finishedAt: null }
  const isStopped = (): boolean => stopped
  const done = (async (): Promise<number> => {
    const current = findPage(deps.manifest, location.pathname)
    let todo = prefetchPlan(deps.manifest, current)
    progress.planned = todo.length
    let fetched = 0
    // Cached once is cached for this page's life: later rounds skip the lookup.
    const known = new Set<string>()
    while (todo.length && !stopped) {
      const later: string[] = []
      const queue = [...todo]
      const one = async (path: string): Promise<void> => {
        const asset = deps.manifest.assets[path]!
        const file = deps.files.get(path)
        if (!file) return
        if (spentSoFar(deps.scope) + asset.size > deps.budget) return // a smaller one may still fit
        if (known.has(path) || await cached(deps.scope, asset)) { known.add(path); progress.done++; return }
        if (!deps.peersHold(asset)) { later.push(path); return }
        await visible()
        await idle()
        // On-demand before prefetch: the page's requests have the wires first.
        while (deps.onDemand?.() && !stopped) await new Promise((resolve) => setTimeout(resolve, ON_DEMAND_POLL_MS))
        if (stopped) return
        // Reserve the budget before reading, so parallel reads cannot overshoot it.
        addSpent(deps.scope, asset.size)
        const data = await readWhole(file, asset.size, isStopped)
        if (!data || !(await deps.store(path, data))) { addSpent(deps.scope, -asset.size); if (!stopped) later.push(path); return }
        fetched += asset.size
        progress.done++
        progress.bytes += asset.size
        deps.debug('prefetched', path, asset.size)
      }
      const lane = async (): Promise<void> => {
        for (let path = queue.shift(); path !== undefined && !stopped; path = queue.shift()) await one(path)
      }
      await Promise.all(Array.from({ length: PARALLEL }, lane))
      if (later.length === todo.length) await deps.swarmChange(RETRY_MS)
      // Keep the plan's order for the next round.
      const retry = new Set(later)
      todo = todo.filter((p) => retry.has(p))
    }
    if (!stopped) progress.finishedAt = Date.now()
    return fetched
  })()
  return { stop: () => { stopped = true }, done, progress }
}
