// Cache Storage layout shared by the SW (writes) and the engine (reads to seed).

/** Verified assets, content-addressed by integrity, so releases share unchanged bytes. */
export let ASSET_CACHE = 'swarmcdn-assets-v1'
/** Manifests by infohash, so a page keeps its release across SW restarts. */
export let META_CACHE = 'swarmcdn-meta-v1'

/**
 * Two swarmcdn sites on one origin under different paths (`/docs/`, `/blog/`)
 * each prune their caches to their own releases: their caches must be their
 * own. The root scope keeps the names it always had. Called once, before any
 * cache is opened, by the SW (its registration's scope) and by the engine.
 * (Exported as live bindings, so every importer sees the scoped names.)
 */
export function useScope (scope: string): void {
  const path = new URL(scope).pathname
  if (path === '/') return
  ASSET_CACHE = `swarmcdn-assets-v1${path}`
  META_CACHE = `swarmcdn-meta-v1${path}`
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
