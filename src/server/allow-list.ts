// Which infohashes a tracker admits.
import type { ReleaseWatcher } from './release.js'

const HEX40 = /^[0-9a-f]{40}$/i

/** Normalizes `--allow` values; throws on anything that is not 40 hex characters. */
export function parseInfoHashes (values: readonly string[]): string[] {
  return values.map((v) => {
    const h = v.trim().toLowerCase()
    if (!HEX40.test(h)) throw new Error(`invalid infohash ${JSON.stringify(v)} (expected 40 hex characters)`)
    return h
  })
}

export interface AllowPolicy {
  /** The release watched on disk, if any: its current and previous infohash are admitted. */
  release?: ReleaseWatcher
  /** Always admitted. */
  allow?: readonly string[]
  /** Admit every infohash (the standalone tracker without --allow or --dir). */
  allowAll?: boolean
}

export function admitter (policy: AllowPolicy): (infoHash: string) => Promise<boolean> {
  const fixed = new Set(policy.allow ?? [])
  return async (infoHash) => {
    if (policy.allowAll === true || fixed.has(infoHash)) return true
    return policy.release !== undefined && await policy.release.admits(infoHash)
  }
}
