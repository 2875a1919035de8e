// The one place that verifies and keeps bytes (Workbox's StrategyHandler for
// verified bytes): every unit from a peer, the origin, a prefetch or the HTTP
// cache passes keepUnit(), which checks its SHA-256 against the manifest,
// stores it once, tells the engine it may seed it, and counts it. Sources only
// decide where bytes come from; nothing else writes the store.
import type { ManifestAsset } from '../src/shared/manifest.js'
import { sha256Base64 } from '../src/shared/integrity.js'
import type { ByteSource } from '../src/shared/protocol.js'
import { unitBounds, unitKey, unitsOf } from '../src/shared/units.js'
import { CONSOLIDATE_MAX_BYTES } from './config.js'
import { debug } from './debug.js'
import { notifyKept } from './leader.js'
import { countBytes, countRejected } from './stats.js'
import { has, put, read, remove, storeIndex } from './store.js'

export interface KeepTarget {
  asset: ManifestAsset
  path: string
  infoHash: string
  /** Runs the store in the background (FetchEvent.waitUntil) so the page gets verified bytes at once. */
  defer?: (p: Promise<unknown>) => void
  /**
   * Runs the store later, when the caller says (a peer delivery: when it
   * ends). The engine that received those pieces already seeds them, so only
   * the durable copy waits, and it does not compete with the transfer.
   */
  later?: (store: () => Promise<unknown>) => void
}

/** Stores in flight by key: two deliveries of the same unit store it once. */
const storing = new Map<string, Promise<boolean>>()

/** The unit's bytes match the manifest. */
export async function verifyUnit (asset: ManifestAsset, u: number, bytes: Uint8Array<ArrayBuffer> | ArrayBuffer): Promise<boolean> {
  const [a, b] = unitBounds(asset, u)
  if (bytes.byteLength !== b - a) return false
  return await sha256Base64(bytes) === unitsOf(asset).hashes[u]
}

/**
 * Verifies unit `u` of an asset; when it matches and `mayStore`, keeps it and
 * announces it at once (no waiting for a whole asset, so a visitor arriving a
 * moment later already finds it seedable). Peer bytes that fail are counted as
 * rejected; origin bytes that fail (a deploy in progress) still reach the page
 * but are never kept. Returns whether the bytes verified.
 */
export async function keepUnit (t: KeepTarget, u: number, bytes: Uint8Array<ArrayBuffer>, source: ByteSource, mayStore = true): Promise<boolean> {
  if (!(await verifyUnit(t.asset, u, bytes))) {
    if (source === 'peer') countRejected(bytes.byteLength)
    debug(`${source} bytes failed SHA-256`, t.path, u)
    return false
  }
  if (mayStore && t.later) {
    t.later(() => storeUnit(t, u, bytes))
  } else if (mayStore) {
    const stored = storeUnit(t, u, bytes)
    if (t.defer) t.defer(stored)
    else await stored
  }
  return true
}

/** Verifies and keeps a whole asset (a prefetch, an adopted HTTP-cache copy) unit by unit. */
export async function keepWhole (t: KeepTarget, data: ArrayBuffer, source: ByteSource): Promise<boolean> {
  if (data.byteLength !== t.asset.size) return false
  const n = unitsOf(t.asset).hashes.length
  for (let u = 0; u < n; u++) {
    const [a, b] = unitBounds(t.asset, u)
    if (!(await keepUnit(t, u, new Uint8Array(data, a, b - a), source))) return false
  }
  return true
}

function storeUnit (t: KeepTarget, u: number, bytes: Uint8Array<ArrayBuffer>): Promise<boolean> {
  const key = unitKey(t.asset, u)
  let p = storing.get(key)
  if (!p) {
    p = (async () => {
      if (await has(t.asset.integrity) || await has(key)) return true
      const blocked = key !== t.asset.integrity
      // A block is often a view into a larger buffer: store only its bytes.
      const body = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : bytes.slice()
      const ok = await put(key, body, blocked ? 'application/octet-stream' : t.asset.type, (k) => k.startsWith(t.asset.integrity))
      if (ok) {
        notifyKept(t.infoHash, [key])
        if (blocked) await consolidate(t)
      }
      return ok
    })().finally(() => storing.delete(key))
    storing.set(key, p)
  }
  return p
}

/**
 * Once every block of an asset up to CONSOLIDATE_MAX_BYTES is kept, the
 * blocks become one entry: a whole asset is then one cache hit, keyed by the
 * asset's own SRI.
 * The new entry is composed of the stored blobs, so no byte crosses JavaScript.
 */
async function consolidate (t: KeepTarget): Promise<void> {
  const { asset } = t
  if (asset.size > CONSOLIDATE_MAX_BYTES || await has(asset.integrity)) return
  const idx = await storeIndex()
  const n = unitsOf(asset).hashes.length
  const keys: string[] = []
  for (let u = 0; u < n; u++) { const k = unitKey(asset, u); if (!idx.has(k)) return; keys.push(k) }
  const parts: Blob[] = []
  for (let u = 0; u < n; u++) {
    const [a, b] = unitBounds(asset, u)
    const blob = await read(keys[u]!, b - a)
    if (!blob) return
    parts.push(blob)
  }
  if (!(await put(asset.integrity, new Blob(parts, { type: asset.type }), asset.type, (k) => k.startsWith(asset.integrity)))) return
  notifyKept(t.infoHash, [asset.integrity])
  await remove(keys)
}

/**
 * Bytes [start, end) of an asset when the store holds all of them (whole, or
 * the blocks covering them), else null.
 */
export async function cachedRange (asset: ManifestAsset, start: number, end: number): Promise<Blob | null> {
  const idx = await storeIndex()
  if (idx.has(asset.integrity)) {
    const whole = await read(asset.integrity, asset.size)
    if (whole) return start === 0 && end === asset.size ? whole : whole.slice(start, end)
  }
  if (!asset.blocks || !asset.blockSize) return null
  const bs = asset.blockSize
  const b0 = Math.floor(start / bs)
  const b1 = Math.floor((Math.max(end, start + 1) - 1) / bs)
  for (let u = b0; u <= b1; u++) if (!idx.has(unitKey(asset, u))) return null
  const parts: Blob[] = []
  for (let u = b0; u <= b1; u++) {
    const [a, b] = unitBounds(asset, u)
    const blob = await read(unitKey(asset, u), b - a)
    if (!blob) return null
    parts.push(blob)
  }
  return new Blob(parts).slice(start - b0 * bs, end - b0 * bs)
}

/** Whether the store holds the whole asset (as one entry or every block). */
export async function holdsAsset (asset: ManifestAsset): Promise<boolean> {
  const idx = await storeIndex()
  if (idx.has(asset.integrity)) return true
  if (!asset.blocks) return false
  for (let u = 0; u < asset.blocks.length; u++) if (!idx.has(unitKey(asset, u))) return false
  return true
}

/** Bytes that reached the page from `source`. */
export function countDelivered (source: ByteSource, n: number): void { countBytes(source, n) }
