// Same-origin GETs for paths of the page's release manifest, without
// credentials headers. Anything else is not intercepted at all.
import { deliver } from '../deliver.js'
import { notePassedThrough, passesThrough } from '../passthrough.js'
import { debug } from '../debug.js'
import { manifestFor } from '../releases.js'
import { embedded, scopePath } from '../config.js'
import { withSource } from '../responses.js'
import type { Manifest, ManifestAsset } from '../../src/shared/manifest.js'
import type { Handler } from './types.js'

/** Requests that must never be shared: they carry credentials or opt out of caching. */
function mayShare (req: Request): boolean {
  if (req.method !== 'GET') return false
  if (req.headers.has('authorization') || req.headers.has('cookie')) return false
  if (req.cache === 'no-store' || req.cache === 'only-if-cached') return false
  return true
}

function lookup (event: FetchEvent): { manifest: Manifest, path: string, entry: ManifestAsset } | null {
  const req = event.request
  if (!mayShare(req)) return null
  const path = scopePath(new URL(req.url))
  if (path === null) return null
  const manifest = manifestFor(event.clientId || event.resultingClientId)
  const entry = manifest?.assets[path]
  return manifest && entry ? { manifest, path, entry } : null
}

/** A manifest asset of the requesting page's release (what swarmcdn answers). */
export function isAsset (event: FetchEvent): boolean { return lookup(event) !== null }

/** The response for an asset request (`isAsset` true): peers, verified cache or origin, never an error page. */
export async function respond (event: FetchEvent, request: Request = event.request): Promise<Response> {
  const found = lookup(event)
  if (!found) return await fetch(request)
  const { manifest, path, entry } = found
  try {
    return await deliver({ event, request, manifest, path, asset: entry })
  } catch (err) {
    // Never an error page for what the origin can serve.
    debug('delivery failed, origin', path, err)
    return withSource(await fetch(request), 'origin')
  }
}

/** Off when the site routes assets itself (Workbox: `self.swarmcdn.workbox()`). */
let ownListener = true
export function routeAssetsElsewhere (): void { ownListener = false }

export const asset: Handler = {
  name: 'asset',
  canHandle: (event) => ownListener && lookup(event) !== null,
  handle: (event) => {
    // Inside a site's own worker, the site's listeners answer what this one
    // leaves, so leaving a request is not the browser fetching it.
    const found = embedded ? null : lookup(event)
    if (found && passesThrough(event.request, found.manifest, found.entry)) {
      notePassedThrough(event, found.manifest, found.path, found.entry)
      return
    }
    try {
      event.respondWith(respond(event))
    } catch (err) {
      // A site listener that ran first answered already: its answer stands.
      debug('request already answered by the site worker', err)
    }
  }
}
