// Verification units: what the SW hashes with SHA-256 and keeps in Cache
// Storage, and what the engine's chunk store reads pieces from. A large asset's
// unit is one manifest block (256 KiB by default); a small asset is one unit.
import type { ManifestAsset } from './manifest.js'

export interface Units {
  /** Bytes per unit (the last one may be shorter). */
  unit: number
  /** Expected SHA-256 (base64) per unit. */
  hashes: string[]
}

export function unitsOf (asset: ManifestAsset): Units {
  if (asset.blocks && asset.blockSize) return { unit: asset.blockSize, hashes: asset.blocks }
  return { unit: Math.max(1, asset.size), hashes: [asset.integrity.slice('sha256-'.length)] }
}

/** Byte range [start, end) of unit `u` inside its asset. */
export function unitBounds (asset: ManifestAsset, u: number): [number, number] {
  const { unit } = unitsOf(asset)
  return [u * unit, Math.min(asset.size, (u + 1) * unit)]
}

/** First and last unit holding bytes [start, end) of the asset. */
export function unitsCovering (asset: ManifestAsset, start: number, end: number): [number, number] {
  const { unit } = unitsOf(asset)
  return [Math.floor(start / unit), Math.floor((Math.max(end, start + 1) - 1) / unit)]
}

/**
 * The store's index key of unit `u`: the asset's integrity for a one-unit
 * asset (and for a large asset kept whole), `integrity?block=N` otherwise.
 * The same strings are what `cacheIndexKey` reads back from a cache URL.
 */
export function unitKey (asset: ManifestAsset, u: number): string {
  return asset.blocks && asset.blockSize ? `${asset.integrity}?block=${u}` : asset.integrity
}

/** Whether the store's index holds unit `u`, as a block of its own or inside the whole asset. */
export function holdsUnit (index: { has: (k: string) => boolean }, asset: ManifestAsset, u: number): boolean {
  return index.has(asset.integrity) || index.has(unitKey(asset, u))
}
