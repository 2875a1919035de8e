// Byte counters by source, persisted in IndexedDB so an SW restart (Chromium
// stops idle workers after ~30 s) does not reset a visitor's numbers.
import { get, set } from 'idb-keyval'
import { idbKey } from '../src/shared/cache-keys.js'
import { whenQuiet } from './quiet.js'
import { currentManifest } from './releases.js'
import { reportCounters } from './report.js'
import { emptyCounters, type AssetDelivery, type Counters, type FallbackReason, type ByteSource } from '../src/shared/protocol.js'

declare const self: ServiceWorkerGlobalScope

/** Per scope: each swarmcdn site on the origin counts its own bytes (cache-keys.ts). */
const KEY = idbKey('stats', self.registration.scope)
/** Keep the per-asset table bounded on sites with many assets. */
const MAX_ASSETS = 2000

let counters: Counters = emptyCounters()
let assets: Record<string, AssetDelivery> = {}
let loaded: Promise<void> | null = null
let saveTimer: ReturnType<typeof setTimeout> | null = null

export function loadStats (): Promise<void> {
  loaded ??= get(KEY).then((saved: { counters?: Counters, assets?: Record<string, AssetDelivery>, uploaded?: number, engineUploaded?: number } | undefined) => {
    if (saved?.counters) counters = sumInto(counters, saved.counters)
    if (typeof saved?.uploaded === 'number') uploaded += saved.uploaded
    // An SW restart must not count the running engine's total twice.
    if (typeof saved?.engineUploaded === 'number' && engineUploaded === 0) engineUploaded = saved.engineUploaded
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

/**
 * This visitor's uploads over every engine it ran (each engine counts from 0:
 * a new leader page, a reload), kept with the counters across restarts.
 */
let uploaded = 0
/** The running engine's own total, as it last told this worker. */
let engineUploaded = 0

/** The leader engine reported its upload total (leader.ts): part of the visitor's report. */
export function noteUploaded (bytes: number): void {
  if (!Number.isSafeInteger(bytes) || bytes < 0) return
  void loadStats().then(() => { addUploaded(bytes) })
}

function addUploaded (bytes: number): void {
  if (bytes === engineUploaded) return
  // A smaller total is a new engine, counting from 0 again.
  uploaded += bytes < engineUploaded ? bytes : bytes - engineUploaded
  engineUploaded = bytes
  scheduleSave()
}

// Visitors report what the origin cannot see (peer bytes, uploads) to
// <scope>swarmcdn/report; report.ts batches and sends deltas.
function report (): void {
  // Only whole totals: before the saved counters load, live ones trail the report's baseline.
  void loadStats().then(() => { reportCounters({ ...counters, bytesUploaded: uploaded }, currentManifest()?.infoHash ?? null) })
}

function scheduleSave (): void {
  report()
  if (saveTimer) return
  // An IndexedDB write of the whole table waits for the pages to be quiet.
  saveTimer = setTimeout(() => {
    void whenQuiet(async () => {
      saveTimer = null
      await loadStats()
      await set(KEY, { counters, assets, uploaded, engineUploaded })
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
