// The delivery strategy for a manifest asset (Workbox's Strategy): plan the
// request in verification units, then ask each source in order, verified
// cache → peers → origin. Sources decide and stream; the keeper (keeper.ts)
// is the one place that verifies, stores, announces and counts.
import { fromCache } from './sources/cache.js'
import type { DeliveryContext } from './sources/context.js'
import { fromOrigin } from './sources/origin.js'
import { fromPeers } from './sources/peers.js'
import { plan } from './plan.js'
import { coveredInFlight } from './inflight.js'
import { FIRST_BYTE_MS } from './config.js'

export type { DeliveryContext } from './sources/context.js'

export async function deliver (ctx: DeliveryContext): Promise<Response> {
  const p = plan(ctx.asset, ctx.request.headers.get('range'))
  if (p.kind === 'unsatisfiable') return fromOrigin(ctx, false)
  const cached = await fromCache(ctx, p)
  if (cached) return cached
  // The same units on their way from peers for another request: wait for
  // them to be kept (no longer than a first unit may take), then the store.
  const inFlight = coveredInFlight(ctx.asset.integrity, p.u0, p.u1)
  if (inFlight) {
    let timer: ReturnType<typeof setTimeout> | undefined
    await Promise.race([inFlight, new Promise<void>((resolve) => { timer = setTimeout(resolve, FIRST_BYTE_MS) })])
    clearTimeout(timer)
    const merged = await fromCache(ctx, p)
    if (merged) return merged
  }
  const peer = await fromPeers(ctx, p)
  if (peer instanceof Response) return peer
  return fromOrigin(ctx, p.partial, peer)
}
