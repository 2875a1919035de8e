// A page's asset that the swarm cannot serve better than the browser goes to
// the browser: the worker does not call respondWith, and Chromium fetches it
// as if there were no worker. Measured side by side (bench/dispatch-floor.js,
// added per asset at p50 on a 2-core machine): a listener that returns
// without answering, -3 to +12 ms; one that answers with nothing but the
// origin's own response, +16 to +28 ms, and 1.1-1.2x the page's load
// (issue 13 §6, the no-peer overhead).
//
// Passes through: an image, script, stylesheet or font of the page's release,
// asked for whole, that no peer can send (no leader, or a leader with no
// peer), of which the verified store holds no unit and no other delivery is
// fetching any. Its bytes are counted as the origin's, as an answered request
// would have been. The worker re-reads it from the HTTP cache once the pages
// are quiet, verifies and keeps it (adopt.ts, as for a first visit's assets):
// the visitor seeds it like any other, and the origin never sends it twice.
// Players, fetch() (whose headers a page reads), Ranges and large assets keep
// the full path: a player waits for the swarm, a script may read
// X-SwarmCDN-Source, and a large body may be more than the HTTP cache keeps.
import type { FallbackReason } from '../src/shared/protocol.js'
import type { Manifest, ManifestAsset } from '../src/shared/manifest.js'
import { adoptAll } from './adopt.js'
import { countDelivered } from './keeper.js'
import { anyInFlight } from './inflight.js'
import { hasLeader, peersMayAnswer } from './leader.js'
import { whenQuiet } from './quiet.js'
import { countRequest, recordDelivery } from './stats.js'
import { storeIndexNow } from './store.js'
import { holdsUnit, unitsOf } from '../src/shared/units.js'

/** What a page's parser asks for; a player's, a fetch()'s and a worker's requests are not. */
const PAGE_DESTINATIONS = new Set<RequestDestination>(['image', 'script', 'style', 'font'])

/**
 * Above this the full path keeps the asset as it passes: a private window's
 * HTTP cache kept a 6 MB body and no 8 MB one, and what it does not keep
 * cannot be adopted.
 */
export const PASS_MAX_BYTES = 4 * 1024 * 1024

/** Whether the store holds some unit of the asset; null while the index is still being read. */
function holdsAnyUnit (asset: ManifestAsset): boolean | null {
  const idx = storeIndexNow()
  if (!idx) return null
  const n = unitsOf(asset).hashes.length
  for (let u = 0; u < n; u++) if (holdsUnit(idx, asset, u)) return true
  return false
}

/** Whether this request of an asset of `manifest` goes to the browser unanswered. */
export function passesThrough (request: Request, manifest: Manifest, asset: ManifestAsset): boolean {
  if (!PAGE_DESTINATIONS.has(request.destination) || request.headers.has('range')) return false
  if (asset.size > PASS_MAX_BYTES) return false
  if (holdsAnyUnit(asset) !== false || anyInFlight(asset.integrity)) return false
  return !peersMayAnswer(manifest.infoHash)
}

interface Batch { manifest: Manifest, paths: Set<string> }
let pending: Batch | null = null

/** After the first attempt at a batch, the waits before trying its missing paths again. */
const ADOPT_RETRY_MS = [1_000, 4_000, 15_000]

/** Adopts `paths()` once the pages are quiet; the batch takes no more paths from then on. */
function adoptQuietly (batch: Batch, paths: () => string[]): Promise<string[]> {
  let missing: string[] = []
  return whenQuiet(async () => {
    if (pending === batch) pending = null
    missing = await adoptAll(batch.manifest, paths())
  }).then(() => missing)
}

/** Counts a passed-through request as the origin's, and has its bytes kept once the pages are quiet. */
export function notePassedThrough (event: FetchEvent, manifest: Manifest, path: string, asset: ManifestAsset): void {
  const clientId = event.clientId || event.resultingClientId || null
  const reason: FallbackReason = hasLeader() ? 'no-peer-has-it' : 'no-leader'
  countRequest('origin')
  countDelivered('origin', asset.size)
  recordDelivery(path, { source: 'origin', bytes: asset.size, bytesBySource: { peer: 0, origin: asset.size, cache: 0 }, at: Date.now(), reason }, clientId)
  adoptLater(event, manifest, path)
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * Adopts the batch's paths once the pages are quiet. Quiet means no fetch
 * event for a while; a response still on its way then is not readable from
 * the HTTP cache yet, so what is missing is tried again a little later (a few
 * attempts, each a cache lookup only).
 */
async function adoptWithRetries (batch: Batch): Promise<void> {
  let left = await adoptQuietly(batch, () => [...batch.paths])
  for (const ms of ADOPT_RETRY_MS) {
    if (!left.length) break
    await sleep(ms)
    const again = left
    left = await adoptQuietly(batch, () => again)
  }
}

/**
 * Has the asset at `path`, which the browser is fetching whole from the
 * origin, kept from the HTTP cache once the pages are quiet (never a request
 * of its own to the origin).
 */
export function adoptLater (event: FetchEvent, manifest: Manifest, path: string): void {
  if (pending?.manifest.infoHash !== manifest.infoHash) {
    pending = { manifest, paths: new Set() }
    event.waitUntil(adoptWithRetries(pending))
  }
  pending.paths.add(path)
}
