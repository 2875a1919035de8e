// Byte counters by source, persisted in IndexedDB so an SW restart (Chromium
// stops idle workers after ~30 s) does not reset a visitor's numbers.
import { get, set } from 'idb-keyval'
import { whenQuiet } from './quiet.js'
import { emptyCounters, type AssetDelivery, type Counters, type FallbackReason, type ByteSource } from '../src/shared/protocol.js'

declare const self: ServiceWorkerGlobalScope

const KEY = 'swarmcdn:sw-stats'
/** Keep the per-asset table bounded on sites with many assets. */
const MAX_ASSETS = 2000

let counters: Counters = emptyCounters()
let assets: Record<string, AssetDelivery> = {}
let loaded: Promise<void> | null = null
let saveTimer: ReturnType<typeof setTimeout> | null = null

export function loadStats (): Promise<void> {
  loaded ??= get(KEY).then((saved: { counters?: Counters, assets?: Record<string, AssetDelivery> } | undefined) => {
    if (saved?.counters) counters = sumInto(counters, saved.counters)
    if (saved?.assets) assets = { ...saved.assets, ...assets }
  }).catch(() => { /* IndexedDB unavailable: counters stay in memory */ })
  return loaded
}

// Counts taken before the saved ones loaded are added, not lost.
function sumInto (live: Counters, saved: Counters): Counters {
  const out = emptyCounters()
  for (const k of Object.keys(out) as Array<keyof Counters>) out[k] = (saved[k] ?? 0) + (live[k] ?? 0)
  return out
}

function scheduleSave (): void {
  if (saveTimer) return
  // An IndexedDB write of the whole table waits for the pages to be quiet.
  saveTimer = setTimeout(() => {
    void whenQuiet(async () => {
      saveTimer = null
      await loadStats()
      await set(KEY, { counters, assets })
    })
  }, 500)
}

export function countBytes (source: ByteSource, bytes: number): void {
  if (bytes <= 0) return
  if (source === 'peer') counters.bytesFromPeers += bytes
  else if (source === 'origin') counters.bytesFromOrigin += bytes
  else counters.bytesFromCache += bytes
  scheduleSave()
}

export function countRequest (source: ByteSource): void {
  if (source === 'peer') counters.requestsFromPeers++
  else if (source === 'origin') counters.requestsFromOrigin++
  else counters.requestsFromCache++
  scheduleSave()
}

export function countRejected (bytes: number): void {
  counters.bytesRejected += bytes
  scheduleSave()
}

export function countPrefetched (bytes: number): void {
  counters.bytesPrefetched += bytes
  scheduleSave()
}

/** Records the last delivery of `path` and tells the page that asked. */
export function recordDelivery (path: string, delivery: AssetDelivery, clientId: string | null): void {
  if (!(path in assets) && Object.keys(assets).length >= MAX_ASSETS) return
  assets[path] = delivery
  scheduleSave()
  if (clientId) {
    void self.clients.get(clientId).then((c) => c?.postMessage({ type: 'swarmcdn:delivery', path, delivery })).catch(() => {})
  }
}

export async function snapshot (): Promise<{ counters: Counters, assets: Record<string, AssetDelivery> }> {
  await loadStats()
  return { counters: { ...counters }, assets: { ...assets } }
}

export type { FallbackReason }
