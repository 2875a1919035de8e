// A whole large asset that no peer can send, from the origin as the browser's
// own body: the response is handed on as it came, so Chromium pipes it to the
// page without the worker touching a byte. Measured on a 16 MiB download
// (bench/download.js, ÷ the same fetch without swarmcdn): the windowed path
// (origin-units.ts), which streams every byte through JavaScript to verify
// it on the way, 2.35x; the body piped through a TransformStream that keeps
// its units, 2.15x (1.73x keeping nothing); handed on as it came, 1.1-1.5x.
// A clone kept while the page reads would be as fast, but a page that stops
// reading would not stop it: the origin would send the rest for the clone.
// So the bytes are kept afterwards from the HTTP cache (adopt.ts, through
// passthrough.ts), never by a request of their own; an asset the HTTP cache
// did not keep (too large for it, or the page stopped) is not kept.
import type { FallbackReason } from '../../src/shared/protocol.js'
import { countDelivered } from '../keeper.js'
import { adoptLater } from '../passthrough.js'
import * as rates from '../rates.js'
import { withSource } from '../responses.js'
import { countRequest, recordDelivery } from '../stats.js'
import { cacheable } from './cacheable.js'
import { clientOf, type DeliveryContext } from './context.js'
import { decodedLength } from './decoded-length.js'

/** Longest the read-back waits for the body to have arrived. */
const ADOPT_WAIT_MAX_MS = 60_000

export async function fromOriginNative (ctx: DeliveryContext, reason: FallbackReason | undefined): Promise<Response> {
  const asked = Date.now()
  const res = await fetch(ctx.request)
  rates.origin.latency(Date.now() - asked)
  countRequest('origin')
  // Counted as asked for, when the length is known: the worker never sees the bytes.
  const declared = decodedLength(res, ctx.asset.size, false)
  if (Number.isSafeInteger(declared) && declared >= 0) {
    countDelivered('origin', declared)
    recordDelivery(ctx.path, { source: 'origin', bytes: declared, bytesBySource: { peer: 0, origin: declared, cache: 0 }, at: Date.now(), ...(reason ? { reason } : {}) }, clientOf(ctx))
  }
  // Read back once the body has had twice its expected transfer time (rates.ts).
  if (res.status === 200 && cacheable(res)) adoptLater(ctx.event, ctx.manifest, ctx.path, Math.min(ADOPT_WAIT_MAX_MS, 2 * rates.origin.finishIn(ctx.asset.size, 0)))
  return withSource(res, 'origin')
}
