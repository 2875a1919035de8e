// The worker's own lifecycle against a site that changes under it (issue 18):
// the manifest fetch has a deadline and a 5xx is retried with backoff instead
// of switching P2P off, and a worker whose script was deleted from the site
// removes itself.
import { ASSET_CACHE, META_CACHE } from './config.js'
import { debug } from './debug.js'
import { whenQuiet } from './quiet.js'

declare const self: ServiceWorkerGlobalScope

/**
 * The manifest is one small JSON file from the origin. An origin that has not
 * answered it in this long is stalled; activation (which waits for the first
 * manifest before claiming pages) must not stall with it.
 */
export const MANIFEST_FETCH_MS = 5000

/** First retry after a failed manifest fetch; each further failure doubles it. */
export const MANIFEST_RETRY_MS = 1000
/** Retries never wait longer than this: a site back from an outage gets P2P back within minutes. */
export const MANIFEST_RETRY_MAX_MS = 5 * 60_000

/**
 * How often the worker asks whether its own script still exists. One small
 * conditional request (usually a 304) on the first navigation after the worker
 * starts, then at most this often.
 */
export const SCRIPT_CHECK_INTERVAL_MS = 10 * 60_000

let retryDelay = MANIFEST_RETRY_MS
let retryTimer: ReturnType<typeof setTimeout> | null = null

/**
 * fetch() for the manifest with a deadline. A network failure, a timeout or a
 * 5xx (an origin in trouble, not an answer about the manifest) throws, so the
 * caller keeps the last good release, and `retry` runs again after a growing
 * delay until the origin answers. Other statuses are answers and are returned.
 */
export async function fetchManifest (url: string, retry: () => Promise<unknown>): Promise<Response> {
  try {
    const res = await fetch(url, { cache: 'no-cache', credentials: 'same-origin', signal: AbortSignal.timeout(MANIFEST_FETCH_MS) })
    if (res.status >= 500) throw new Error(`manifest answered HTTP ${res.status}`)
    retryDelay = MANIFEST_RETRY_MS
    return res
  } catch (err) {
    if (!retryTimer) {
      debug(`manifest fetch failed, retrying in ${retryDelay} ms`, err)
      retryTimer = setTimeout(() => { retryTimer = null; void retry() }, retryDelay)
      retryDelay = Math.min(retryDelay * 2, MANIFEST_RETRY_MAX_MS)
    }
    throw err
  }
}

let lastScriptCheck = 0

/**
 * After navigations, once the pages are quiet: if the origin answers 404 or
 * 410 for this worker's script, the site has removed swarmcdn, and `remove`
 * (drop caches, unregister) runs. A browser's own update check only keeps the
 * old worker in that case. Any other failure (offline, 5xx) proves nothing.
 */
export function watchScript (remove: () => Promise<void>): void {
  removeSelf = remove
  self.addEventListener('fetch', (event) => {
    if (event.request.mode !== 'navigate') return
    const check = checkScript()
    if (check) event.waitUntil(check)
  })
}

let removeSelf: (() => Promise<void>) | null = null

/**
 * The check itself, at most every SCRIPT_CHECK_INTERVAL_MS: after a
 * navigation, or when a new page first speaks to the worker (navigations
 * that bypass it through static routing). Null when not due.
 */
export function checkScript (): Promise<void> | null {
  const remove = removeSelf
  if (!remove || Date.now() - lastScriptCheck < SCRIPT_CHECK_INTERVAL_MS) return null
  lastScriptCheck = Date.now()
  return (async () => {
    let gone = false
    await whenQuiet(async () => {
      try {
        const res = await fetch(self.location.href, { cache: 'no-cache', signal: AbortSignal.timeout(MANIFEST_FETCH_MS) })
        await res.body?.cancel()
        gone = res.status === 404 || res.status === 410
      } catch { /* offline or stalled: try again after the next navigation past the interval */ }
      if (gone) {
        debug('own script is gone from the site: removing this worker')
        await remove()
      }
    })
    // Work deferred before the removal (an origin body still being hashed)
    // may store once more after the caches were dropped: drop them again
    // once it has run, or the visitor keeps bytes nothing will ever delete.
    if (gone) await whenQuiet(dropOwnCaches)
  })()
}

/** This scope's caches only: another swarmcdn site on the origin (another path) keeps its own. */
async function dropOwnCaches (): Promise<void> {
  for (const name of [ASSET_CACHE, META_CACHE]) await caches.delete(name)
}
