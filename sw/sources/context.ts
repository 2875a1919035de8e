// What every source gets: the fetch event and the asset it asks for.
import type { Manifest, ManifestAsset } from '../../src/shared/manifest.js'
import type { KeepTarget } from '../keeper.js'

export interface DeliveryContext {
  event: FetchEvent
  request: Request
  manifest: Manifest
  path: string
  asset: ManifestAsset
}

export function clientOf (ctx: DeliveryContext): string | null {
  return ctx.event.clientId || ctx.event.resultingClientId || null
}

/** The keeper's view of this delivery; stores outlive the response through waitUntil. */
export function keepTarget (ctx: DeliveryContext): KeepTarget {
  return { asset: ctx.asset, path: ctx.path, infoHash: ctx.manifest.infoHash, defer: (p) => ctx.event.waitUntil(p) }
}
