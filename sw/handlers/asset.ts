// Same-origin GETs for paths of the page's release manifest, without
// credentials headers. Anything else is not intercepted at all.
import { deliver } from '../deliver.js'
import { debug } from '../debug.js'
import { manifestFor } from '../releases.js'
import { scopePath } from '../config.js'
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

export const asset: Handler = {
  name: 'asset',
  canHandle: (event) => lookup(event) !== null,
  handle: (event) => {
    const { manifest, path, entry } = lookup(event)!
    event.respondWith((async () => {
      try {
        return await deliver({ event, request: event.request, manifest, path, asset: entry })
      } catch (err) {
        // Never an error page for what the origin can serve.
        debug('delivery failed, origin', path, err)
        return withSource(await fetch(event.request), 'origin')
      }
    })())
  }
}
