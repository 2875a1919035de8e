// Which manifest (release) each page uses. A page is bound to the release that
// was current when it was navigated to, so one page load never mixes two
// releases; a new release reaches the next navigation.
import { get, set } from 'idb-keyval'
import { parseManifest, type Manifest } from '../src/shared/manifest.js'
import type { SwToPage } from '../src/shared/protocol.js'
import { ASSET_CACHE, MANIFEST_URL, META_CACHE, PRUNE_DELAY_MS } from './config.js'
import { debug } from './debug.js'
import { remove } from './store.js'
import { cacheIndexKey, idbKey } from '../src/shared/cache-keys.js'
import { whenQuiet } from './quiet.js'
import { fetchManifest } from './lifecycle.js'

declare const self: ServiceWorkerGlobalScope

// Per scope: two swarmcdn sites on one origin share its IndexedDB.
const BINDINGS_KEY = idbKey('bindings', self.registration.scope)
const CURRENT_KEY = idbKey('current', self.registration.scope)

let current: Manifest | null = null
let manifestError: string | null = null
let refreshing: Promise<Manifest | null> | null = null
let initial: Promise<void> | null = null
const byHash = new Map<string, Manifest>()
/** clientId → infoHash ('' = P2P off for that page). */
let bindings: Record<string, string> = {}
let onKill: (() => Promise<void>) | null = null

export function setKillHandler (fn: () => Promise<void>): void { onKill = fn }

export function currentManifest (): Manifest | null { return current }
export function currentError (): string | null { return manifestError }

function metaKey (infoHash: string): string {
  return new URL(`__swarmcdn/manifest/${infoHash}`, self.registration.scope).href
}

/** Loads what an earlier run of this SW knew, so a restart does not refetch. */
export function init (): Promise<void> {
  initial ??= (async () => {
    try {
      bindings = (await get(BINDINGS_KEY)) ?? {}
      const hash: string | undefined = await get(CURRENT_KEY)
      if (hash) current = await loadStored(hash)
    } catch { /* no IndexedDB: start empty */ }
    if (!current) await refresh()
  })()
  return initial
}

async function loadStored (infoHash: string): Promise<Manifest | null> {
  const known = byHash.get(infoHash)
  if (known) return known
  try {
    const cache = await caches.open(META_CACHE)
    const res = await cache.match(metaKey(infoHash))
    if (!res) return null
    const m = parseManifest(await res.json())
    byHash.set(m.infoHash, m)
    return m
  } catch { return null }
}

/**
 * Fetches the manifest from the origin (never from peers). A missing,
 * malformed or weak manifest turns P2P off (null) until a good one appears;
 * a network failure keeps the last good one.
 */
export function refresh (): Promise<Manifest | null> {
  refreshing ??= (async () => {
    let res: Response
    try {
      res = await fetchManifest(MANIFEST_URL, refresh)
    } catch (err) {
      debug('manifest fetch failed, keeping last release', err)
      return current
    }
    try {
      if (!res.ok) throw new Error(`manifest answered HTTP ${res.status}`)
      const m = parseManifest(await res.json())
      manifestError = null
      if (m.disabled) {
        current = null
        manifestError = 'disabled by the site (kill switch)'
        if (onKill) await onKill()
        return null
      }
      const changed = current !== null && current.infoHash !== m.infoHash
      if (current?.infoHash !== m.infoHash) {
        debug('release', m.infoHash)
        byHash.set(m.infoHash, m)
        try {
          const cache = await caches.open(META_CACHE)
          await cache.put(metaKey(m.infoHash), new Response(JSON.stringify(m), { headers: { 'Content-Type': 'application/json' } }))
          await set(CURRENT_KEY, m.infoHash)
        } catch { /* quota: the release still works from memory */ }
      }
      current = m
      if (changed) announceRelease(m.infoHash)
      return m
    } catch (err) {
      manifestError = err instanceof Error ? err.message : String(err)
      debug('manifest rejected, P2P off:', manifestError)
      current = null
      try { await set(CURRENT_KEY, '') } catch { /* ignore */ }
      return null
    }
  })().finally(() => { refreshing = null })
  return refreshing
}

/** Open pages hear of a new release: the leader's engine follows it (pages move at their next navigation). */
function announceRelease (infoHash: string): void {
  const msg: SwToPage = { type: 'swarmcdn:release', infoHash }
  void self.clients.matchAll({ type: 'window' }).then((clients) => { for (const c of clients) c.postMessage(msg) }).catch(() => {})
}

function saveBindings (): void {
  set(BINDINGS_KEY, bindings).catch(() => {})
}

/**
 * A navigation: the new page is bound at once to the current release (its
 * subresource requests may arrive before any manifest check could finish),
 * then the manifest is re-checked so the next navigation sees a new release.
 */
export async function bindNavigation (clientId: string, keepBinding = false): Promise<void> {
  await init()
  // A page seen after its load (static routing took its navigation past this
  // worker) keeps the release its first request was bound to.
  if (clientId && !(keepBinding && clientId in bindings)) {
    bindings[clientId] = current?.infoHash ?? ''
    saveBindings()
  }
  // The check only matters to the next navigation: let this page load first.
  await whenQuiet(async () => { await refresh() })
  schedulePrune()
}

let pruneTimer: ReturnType<typeof setTimeout> | null = null
/**
 * A navigation is when the set of open pages and the current release change:
 * without a prune here, an old release's bytes stayed in Cache Storage (and
 * seeded) for as long as the SW lived, after its last page had closed.
 */
function schedulePrune (): void {
  if (pruneTimer) return
  pruneTimer = setTimeout(() => { pruneTimer = null; void prune() }, PRUNE_DELAY_MS)
}

/**
 * The release a request from `clientId` must use, synchronously (the fetch
 * handler decides without awaiting whether to intercept): null when P2P is off
 * for that page or the SW has not loaded its state yet.
 */
export function manifestFor (clientId: string): Manifest | null {
  if (!clientId) return current
  const bound = bindings[clientId]
  if (bound === undefined) {
    if (!current) return null
    bindings[clientId] = current.infoHash
    saveBindings()
    return current
  }
  if (bound === '') return null
  if (bound === current?.infoHash) return current
  const m = byHash.get(bound)
  if (m) return m
  // Stored but not in memory yet (SW restarted): load it for the next request.
  void loadStored(bound)
  return null
}

/**
 * Drops bindings of closed pages, then every stored manifest and verified asset
 * that no open page's release and not the current release reference.
 */
export async function prune (): Promise<void> {
  await init()
  const open = new Set((await self.clients.matchAll({ includeUncontrolled: true, type: 'all' })).map((c) => c.id))
  for (const id of Object.keys(bindings)) if (!open.has(id)) delete bindings[id]
  saveBindings()
  const live = new Set(Object.values(bindings).filter(Boolean))
  if (current) live.add(current.infoHash)
  const keepIntegrity = new Set<string>()
  for (const hash of live) {
    const m = await loadStored(hash)
    if (m) for (const a of Object.values(m.assets)) keepIntegrity.add(a.integrity)
  }
  try {
    const meta = await caches.open(META_CACHE)
    for (const req of await meta.keys()) {
      const hash = req.url.split('/').pop() ?? ''
      if (!live.has(hash)) { await meta.delete(req); byHash.delete(hash) }
    }
    const assets = await caches.open(ASSET_CACHE)
    const gone: string[] = []
    for (const req of await assets.keys()) {
      const key = cacheIndexKey(req.url)
      // Whole assets and their separately kept blocks go with their integrity.
      if (!keepIntegrity.has(key.split('?')[0]!)) gone.push(key)
    }
    await remove(gone)
  } catch (err) { debug('prune failed', err) }
}

/** Releases referenced by open pages (for the asset cache key check). */
export function isLive (infoHash: string): boolean {
  return current?.infoHash === infoHash || Object.values(bindings).includes(infoHash)
}
