// The verified cache: content-addressed by SRI integrity, so a byte range can
// only ever be served for the hash it was verified against.
import type { ManifestAsset } from '../src/shared/manifest.js'
import { ASSET_CACHE, assetCacheKey, blockCacheKey, cacheIndexKey } from '../src/shared/cache-keys.js'
import { debug } from './debug.js'

declare const self: ServiceWorkerGlobalScope

function keyFor (integrity: string): string {
  return assetCacheKey(self.registration.scope, integrity)
}

/**
 * Integrities in the verified cache, read once per SW start. The SW is the
 * only writer, so a miss costs no Cache Storage round trip on the request path;
 * a hit is still confirmed by the cache itself (storage may have been wiped).
 */
let index: Promise<Set<string>> | null = null
function known (): Promise<Set<string>> {
  index ??= caches.open(ASSET_CACHE)
    .then((c) => c.keys())
    .then((keys) => new Set(keys.map((k) => cacheIndexKey(k.url))))
    .catch(() => new Set<string>())
  return index
}

/** The cache entry for `integrity` was deleted (pruning). */
export function forgetCached (integrity: string): void {
  void known().then((s) => s.delete(integrity))
}

export async function cachedBlob (asset: ManifestAsset): Promise<Blob | null> {
  if (!(await known()).has(asset.integrity)) return null
  try {
    const cache = await caches.open(ASSET_CACHE)
    const res = await cache.match(keyFor(asset.integrity))
    if (!res) { forgetCached(asset.integrity); return null }
    const blob = await res.blob()
    // A wiped or truncated entry is not trusted: its size must be the manifest's.
    if (blob.size !== asset.size) { await cache.delete(keyFor(asset.integrity)); return null }
    return blob
  } catch (err) {
    debug('cache read failed', err)
    return null
  }
}

export async function hasCached (asset: ManifestAsset): Promise<boolean> {
  if (!(await known()).has(asset.integrity)) return false
  try {
    const cache = await caches.open(ASSET_CACHE)
    return (await cache.match(keyFor(asset.integrity))) !== undefined
  } catch { return false }
}

/** Stores bytes already verified against `asset.integrity`. Quota errors are caught. */
export async function storeVerified (asset: ManifestAsset, body: Blob): Promise<boolean> {
  try {
    const cache = await caches.open(ASSET_CACHE)
    await cache.put(keyFor(asset.integrity), new Response(body, {
      headers: { 'Content-Type': asset.type, 'Content-Length': String(asset.size) }
    }))
    ;(await known()).add(asset.integrity)
    return true
  } catch (err) {
    // QuotaExceededError and friends: the visitor keeps being served, we just do not keep it.
    debug('cache put failed', err)
    return false
  }
}

/** Length of block `i` of an asset. */
function blockLength (asset: ManifestAsset, i: number): number {
  const bs = asset.blockSize!
  return Math.min(asset.size, (i + 1) * bs) - i * bs
}

/** Stores one block already verified against `asset.blocks[i]`. */
export async function storeBlock (asset: ManifestAsset, i: number, bytes: Uint8Array<ArrayBuffer>): Promise<boolean> {
  const key = `${asset.integrity}?block=${i}`
  if ((await known()).has(key) || (await known()).has(asset.integrity)) return true
  try {
    const cache = await caches.open(ASSET_CACHE)
    await cache.put(blockCacheKey(self.registration.scope, asset.integrity, i), new Response(bytes, {
      headers: { 'Content-Type': 'application/octet-stream', 'Content-Length': String(bytes.length) }
    }))
    ;(await known()).add(key)
    return true
  } catch (err) {
    debug('cache put (block) failed', err)
    return false
  }
}

/** Blocks b0..b1 of an asset when every one is cached, else null. */
export async function cachedBlocks (asset: ManifestAsset, b0: number, b1: number): Promise<Blob[] | null> {
  if (!asset.blocks || !asset.blockSize) return null
  const set = await known()
  for (let i = b0; i <= b1; i++) if (!set.has(`${asset.integrity}?block=${i}`)) return null
  try {
    const cache = await caches.open(ASSET_CACHE)
    const out: Blob[] = []
    for (let i = b0; i <= b1; i++) {
      const res = await cache.match(blockCacheKey(self.registration.scope, asset.integrity, i))
      const blob = res ? await res.blob() : null
      if (!blob || blob.size !== blockLength(asset, i)) { forgetCached(`${asset.integrity}?block=${i}`); return null }
      out.push(blob)
    }
    return out
  } catch { return null }
}

export async function dropAll (): Promise<void> {
  index = Promise.resolve(new Set())
  for (const name of await caches.keys()) {
    if (name.startsWith('swarmcdn-')) await caches.delete(name)
  }
}
