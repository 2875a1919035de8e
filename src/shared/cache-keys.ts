// Names of swarmcdn's persistent state, per site scope: the Cache Storage
// layout shared by the SW (writes) and the engine (reads to seed), and the
// IndexedDB keys the SW keeps.

const ASSET_CACHE_NAME = 'swarmcdn-assets-v1'
const META_CACHE_NAME = 'swarmcdn-meta-v1'
/** Verified assets, content-addressed by integrity, so releases share unchanged bytes. */
export let ASSET_CACHE: string = ASSET_CACHE_NAME
/** Manifests by infohash, so a page keeps its release across SW restarts. */
export let META_CACHE: string = META_CACHE_NAME

/**
 * Everything swarmcdn keeps in IndexedDB (idb-keyval's one store per origin),
 * by the name a root-scope site uses. Every module reads and writes these
 * through idbKey(), and a site's removal deletes exactly these for its scope.
 */
export const IDB_KEYS = {
  /** The verified store's sizes and last uses (sw/store.ts). */
  lru: 'swarmcdn:lru',
  /** Byte counters and per-asset deliveries (sw/stats.ts). */
  stats: 'swarmcdn:sw-stats',
  /** What the origin was last told (sw/report.ts). */
  reported: 'swarmcdn:reported',
  /** The site's data-storage-budget (sw/budget.ts). */
  budget: 'swarmcdn:storage-budget',
  /** Players the SW answered from their start (sw/sources/media.ts). */
  players: 'swarmcdn:players',
  /** Pages and the release each is bound to (sw/releases.ts). */
  bindings: 'swarmcdn:bindings',
  /** The current release (sw/releases.ts). */
  current: 'swarmcdn:current'
} as const

/**
 * The name of one piece of persistent state (a cache, an IndexedDB key, a
 * localStorage key) for the site whose scope is `scope`. Two swarmcdn sites on
 * one origin under different paths (`/docs/`, `/blog/`) share its Cache
 * Storage, IndexedDB and localStorage; without this one site's counters,
 * verified index, budget and choices overwrote the other's. The root scope
 * keeps the names it always had, so a root site's visitors keep their
 * verified bytes and settings with no migration.
 */
export function scopedName (name: string, scope: string): string {
  const path = new URL(scope, 'http://scope.invalid/').pathname
  return path === '/' ? name : `${name}${path}`
}

/** This scope's IndexedDB key for one of IDB_KEYS. */
export function idbKey (which: keyof typeof IDB_KEYS, scope: string): string {
  return scopedName(IDB_KEYS[which], scope)
}

/** Every IndexedDB key of this scope (what removing the site deletes). */
export function allIdbKeys (scope: string): string[] {
  return (Object.keys(IDB_KEYS) as Array<keyof typeof IDB_KEYS>).map((k) => idbKey(k, scope))
}

/**
 * Sets this scope's cache names (scopedName). Called once, before any cache
 * is opened, by the SW (its registration's scope) and by the engine.
 * (Exported as live bindings, so every importer sees the scoped names.)
 */
export function useScope (scope: string): void {
  ASSET_CACHE = scopedName(ASSET_CACHE_NAME, scope)
  META_CACHE = scopedName(META_CACHE_NAME, scope)
}

export function assetCacheKey (scope: string, integrity: string): string {
  return new URL(`__swarmcdn/blob/${encodeURIComponent(integrity)}`, scope).href
}

/**
 * One verified block of a large asset (a video streamed by Range is kept block
 * by block). The cache-index form of both keys is `integrity` or
 * `integrity?block=N` (see cacheIndexKey).
 */
export function blockCacheKey (scope: string, integrity: string, block: number): string {
  return `${assetCacheKey(scope, integrity)}?block=${block}`
}

/** `integrity` or `integrity?block=N`, from a cache request URL. */
export function cacheIndexKey (url: string): string {
  return decodeURIComponent(url.split('/').pop() ?? '')
}

/** The cache URL of an index key (`integrity` or `integrity?block=N`). */
export function cacheUrlOf (scope: string, key: string): string {
  const q = key.indexOf('?block=')
  return q < 0 ? assetCacheKey(scope, key) : blockCacheKey(scope, key.slice(0, q), Number(key.slice(q + 7)))
}
