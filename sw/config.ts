// Service-worker configuration and named deadlines.

declare const self: ServiceWorkerGlobalScope

import { useScope } from '../src/shared/cache-keys.js'

const params = new URL(self.location.href).searchParams

/**
 * The loader registers swarmcdn's own worker with `?manifest=` in its URL; a
 * worker without it is the site's, with swarmcdn imported into it.
 */
export const embedded = !params.has('manifest')

/** Manifest URL, from the loader's `data-manifest` (passed as ?manifest=). */
export const MANIFEST_URL = new URL(params.get('manifest') ?? 'swarmcdn.json', self.registration.scope).href

export { ASSET_CACHE, META_CACHE } from '../src/shared/cache-keys.js'
useScope(self.registration.scope)

/**
 * The engine answers `get` from memory (yes with a stream, or no), waiting at
 * most ENGINE_BITFIELD_WAIT_MS (250 ms) for a fresh wire's bitfield. Silence
 * past this means the leader is gone or frozen.
 */
export const LEADER_ANSWER_MS = 600

/**
 * After a slow answer the SW pings the leader; a leader whose message loop does
 * not answer within this is frozen or gone and is dropped. Longer than one
 * answer: a page loading in the leader's renderer may delay one message.
 */
export const LEADER_LIVENESS_MS = 2000

/**
 * First verified unit from a peer. The engine only says yes when a connected
 * wire already holds the pieces; measured peer delivery is ~12 MB/s, so a
 * 256 KiB block takes ~20 ms — 1.5 s is generous yet bounds a lying peer.
 */
export const FIRST_BYTE_MS = 1500

/** No progress from a peer for this long → the rest comes from origin by Range. */
export const STALL_MS = 2000

/**
 * A large asset's blocks, once all are kept, become one entry when the asset
 * is at most this big: a whole-asset hit is then one lookup. Above it the
 * blocks stay as they are: joining 32 MiB doubled the browser process's CPU
 * during a peer transfer (bench/throughput.js), and a film is read by Range,
 * block by block, anyway. 4 MiB is the origin path's Blob bound.
 */
export const CONSOLIDATE_MAX_BYTES = 4 * 1024 * 1024

/** Verified-cache entries are pruned once no open page's release references them. */
export const PRUNE_DELAY_MS = 5_000

export function scopePath (url: URL): string | null {
  const scope = new URL(self.registration.scope)
  if (url.origin !== scope.origin) return null
  return url.pathname
}
