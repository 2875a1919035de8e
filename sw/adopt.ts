// Bytes that reach the store without a page request: assets a first visit
// loaded before the SW controlled it (re-read from the HTTP cache, never a new
// origin request), and the engine's peer prefetch for the next pages. Both go
// through the keeper like every other byte.
import type { Manifest } from '../src/shared/manifest.js'
import { scopePath } from './config.js'
import { holdsAsset, keepWhole } from './keeper.js'
import { cacheable, keepFromStream } from './sources/origin.js'
import { countPrefetched } from './stats.js'

declare const self: ServiceWorkerGlobalScope

/**
 * Keeps the assets at `paths` that the HTTP cache holds and that match the
 * manifest. Returns the paths the HTTP cache did not have (yet: a response
 * still on its way is not readable there until it has ended).
 */
export async function adoptAll (m: Manifest, paths: string[]): Promise<string[]> {
  const missing: string[] = []
  for (const p of paths) {
    const url = new URL(p, self.registration.scope)
    const path = scopePath(url)
    const asset = path !== null ? m.assets[path] : undefined
    if (!path || !asset || await holdsAsset(asset)) continue
    try {
      const res = await fetch(url.href, { cache: 'only-if-cached', mode: 'same-origin', credentials: 'same-origin' })
      if (res.status !== 200 || !cacheable(res) || !res.body) continue
      // Unit by unit as the body is read: a large asset never sits whole in memory.
      await keepFromStream({ asset, path, infoHash: m.infoHash }, res.body, 0)
    } catch {
      missing.push(p)
    }
  }
  return missing
}

/** Bytes the engine prefetched from peers: verified here like every peer byte, then kept. */
export async function keepPrefetched (m: Manifest | null, path: string, infoHash: string, data: ArrayBuffer): Promise<boolean> {
  const asset = m?.infoHash === infoHash ? m.assets[path] : undefined
  if (!asset || data.byteLength !== asset.size) return false
  if (await holdsAsset(asset)) return true
  const ok = await keepWhole({ asset, path, infoHash }, data, 'peer')
  if (ok) countPrefetched(asset.size)
  return ok
}
