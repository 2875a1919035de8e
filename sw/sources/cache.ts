// Source 1: the verified store. Whole assets and single blocks alike; a Range
// is served by slicing the stored blobs.
import { cachedRange, countDelivered } from '../keeper.js'
import type { Plan } from '../plan.js'
import { assetResponse } from '../responses.js'
import { countRequest, recordDelivery } from '../stats.js'
import { clientOf, type DeliveryContext } from './context.js'

export async function fromCache (ctx: DeliveryContext, p: Extract<Plan, { kind: 'bytes' }>): Promise<Response | null> {
  const { span } = p
  const body = await cachedRange(ctx.asset, span.start, span.end)
  if (!body) return null
  const n = span.end - span.start
  countRequest('cache')
  countDelivered('cache', n)
  recordDelivery(ctx.path, { source: 'cache', bytes: n, bytesBySource: { peer: 0, origin: 0, cache: n }, at: Date.now() }, clientOf(ctx))
  return assetResponse(ctx.asset, 'cache', body, span, p.partial)
}
