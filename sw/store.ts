// The verified store: Cache Storage entries keyed by SRI integrity (and
// `?block=N` for one block of a large asset), so a byte range can only ever be
// served for the hash it was verified against. Only the keeper (keeper.ts)
// writes; the engine reads the same entries to seed. A budget bounds it, with
// least-recently-used eviction across releases; a quota error evicts and
// retries, and never breaks a delivery.
import { delMany, get, set } from 'idb-keyval'
import { ASSET_CACHE, META_CACHE, allIdbKeys, cacheIndexKey, cacheUrlOf, idbKey } from '../src/shared/cache-keys.js'
import { debug } from './debug.js'
import { refreshEstimate, storageBudget } from './budget.js'
import { whenQuiet } from './quiet.js'

declare const self: ServiceWorkerGlobalScope

/** Per scope: another swarmcdn site on the origin keeps its own index (cache-keys.ts). */
const LRU_KEY = idbKey('lru', self.registration.scope)
/** Times a put is retried after a quota error, each after evicting more. */
const QUOTA_RETRIES = 2

interface Entry { size: number, used: number }

let index: Promise<Map<string, Entry>> | null = null
/** The same map once read: what a fetch handler may consult without awaiting. */
let loaded: Map<string, Entry> | null = null
/** Bumped when the index is replaced (dropAll), so an older read does not publish its map. */
let indexGeneration = 0
let onDropped: (keys: string[]) => void = () => {}
let saveQueued = false

export function setDropListener (fn: (keys: string[]) => void): void { onDropped = fn }

const urlOf = (key: string): string => cacheUrlOf(self.registration.scope, key)

/**
 * The index: every key in the store with its size and last use, read once per
 * SW start (cache keys, plus use times saved in IndexedDB). The keeper is the
 * only writer, so a miss costs no Cache Storage round trip on the request path.
 */
export function storeIndex (): Promise<Map<string, Entry>> {
  if (index) return index
  const generation = ++indexGeneration
  index = (async () => {
    const out = new Map<string, Entry>()
    try {
      const saved: Record<string, [number, number]> = (await get(LRU_KEY).catch(() => undefined)) ?? {}
      const cache = await caches.open(ASSET_CACHE)
      for (const req of await cache.keys()) {
        const key = cacheIndexKey(req.url)
        let e = saved[key]
        if (!e) {
          const res = await cache.match(req)
          e = [Number(res?.headers.get('Content-Length') ?? 0), 0]
        }
        out.set(key, { size: e[0], used: e[1] })
      }
    } catch { /* no Cache Storage: an empty store */ }
    // Not if dropAll() replaced the index meanwhile.
    if (generation === indexGeneration) loaded = out
    return out
  })()
  return index
}

/** The index if it has been read since this SW started, else null (then only an await can tell). */
export function storeIndexNow (): ReadonlyMap<string, Entry> | null { return loaded }

function saveSoon (): void {
  if (saveQueued) return
  saveQueued = true
  void whenQuiet(async () => {
    saveQueued = false
    const rec: Record<string, [number, number]> = {}
    for (const [k, e] of await storeIndex()) rec[k] = [e.size, e.used]
    await set(LRU_KEY, rec).catch(() => {})
  })
}

export async function has (key: string): Promise<boolean> { return (await storeIndex()).has(key) }

export async function usedBytes (): Promise<number> {
  let n = 0
  for (const e of (await storeIndex()).values()) n += e.size
  return n
}

/** The entry's bytes when present and of the expected size; marks it used. */
export async function read (key: string, size: number): Promise<Blob | null> {
  const idx = await storeIndex()
  const e = idx.get(key)
  if (!e) return null
  try {
    const res = await (await caches.open(ASSET_CACHE)).match(urlOf(key))
    const blob = res ? await res.blob() : null
    // A wiped or truncated entry is not trusted: its size must be the manifest's.
    if (!blob || blob.size !== size) { await remove([key]); return null }
    e.used = Date.now()
    saveSoon()
    return blob
  } catch (err) {
    debug('cache read failed', err)
    return null
  }
}

/** Deletes entries and tells the engine they are gone. */
export async function remove (keys: string[]): Promise<void> {
  if (!keys.length) return
  const idx = await storeIndex()
  try {
    const cache = await caches.open(ASSET_CACHE)
    for (const k of keys) { idx.delete(k); await cache.delete(urlOf(k)) }
  } catch (err) { debug('cache delete failed', err) }
  onDropped(keys)
  saveSoon()
}

/** Evicts least-recently-used entries (never `keep`) until `need` more bytes fit under `limit`. */
async function evict (need: number, limit: number, keep: (key: string) => boolean): Promise<void> {
  const idx = await storeIndex()
  let used = 0
  for (const e of idx.values()) used += e.size
  if (used + need <= limit) return
  const victims: string[] = []
  for (const [k, e] of [...idx].sort((a, b) => a[1].used - b[1].used)) {
    if (used + need <= limit) break
    if (keep(k)) continue
    victims.push(k)
    used -= e.size
  }
  if (victims.length) debug('evicting', victims.length, 'entries')
  await remove(victims)
}

function isQuotaError (err: unknown): boolean {
  return err instanceof DOMException && (err.name === 'QuotaExceededError' || err.code === 22)
}

/**
 * Stores verified bytes under `key`. Over the budget, least-recently-used
 * entries go first (`keep` protects entries the caller is assembling); a
 * quota error evicts more and retries. False when it still does not fit: the
 * visitor keeps being served, the bytes are just not kept.
 */
export async function put (key: string, body: Blob | Uint8Array<ArrayBuffer>, type: string, keep: (key: string) => boolean = () => false): Promise<boolean> {
  const size = body instanceof Blob ? body.size : body.byteLength
  const idx = await storeIndex()
  if (idx.has(key)) return true
  const budget = await storageBudget()
  if (size > budget) return false
  for (let attempt = 0; ; attempt++) {
    // Each retry asks for more room: the browser's quota also holds other data.
    await evict(size * (attempt + 1), budget, (k) => k === key || keep(k))
    try {
      const cache = await caches.open(ASSET_CACHE)
      await cache.put(urlOf(key), new Response(body, { headers: { 'Content-Type': type, 'Content-Length': String(size) } }))
      idx.set(key, { size, used: Date.now() })
      saveSoon()
      return true
    } catch (err) {
      if (!isQuotaError(err) || attempt >= QUOTA_RETRIES) {
        debug('cache put failed', err)
        return false
      }
      refreshEstimate()
      debug('quota exceeded, evicting and retrying', key)
      await evict(0, Math.max(0, (await usedBytes()) - size * (attempt + 1)), (k) => k === key || keep(k))
    }
  }
}

/**
 * The index, checked against Cache Storage itself: entries gone behind our
 * back (site data cleared, storage wiped) leave it. Returns the keys present.
 */
export async function reconcile (): Promise<string[]> {
  const idx = await storeIndex()
  let present: Set<string>
  try {
    present = new Set((await (await caches.open(ASSET_CACHE)).keys()).map((r) => cacheIndexKey(r.url)))
  } catch { present = new Set() }
  for (const k of [...idx.keys()]) if (!present.has(k)) idx.delete(k)
  return [...idx.keys()]
}

/** Forgets a key deleted by someone else (pruning deletes through remove()). */
export function forgetCached (key: string): void {
  void storeIndex().then((s) => s.delete(key))
}

/**
 * Removes everything this site keeps in the browser: its caches and its
 * IndexedDB keys. Only this scope's: another swarmcdn site under another path
 * of the same origin keeps its own (cache-keys.ts scopedName).
 */
export async function dropAll (): Promise<void> {
  indexGeneration++
  loaded = new Map()
  index = Promise.resolve(loaded)
  await caches.delete(ASSET_CACHE)
  await caches.delete(META_CACHE)
  await delMany(allIdbKeys(self.registration.scope)).catch(() => { /* no IndexedDB: nothing kept there */ })
}
