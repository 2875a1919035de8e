// Source 3: the origin, as the browser would have fetched it, counted, and
// (what may be kept, and matches the manifest) handed to the keeper unit by
// unit as it streams in.
import type { FallbackReason } from '../../src/shared/protocol.js'
import { unitBounds, unitsOf } from '../../src/shared/units.js'
import { STALL_MS } from '../config.js'
import { ExactReader } from '../exact-reader.js'
import { countDelivered, keepUnit, type KeepTarget } from '../keeper.js'
import { whenQuiet } from '../quiet.js'
import { withSource } from '../responses.js'
import { countRequest, recordDelivery } from '../stats.js'
import { clientOf, keepTarget, type DeliveryContext } from './context.js'
import { cacheable } from './cacheable.js'
import { decodedLength } from './decoded-length.js'
import * as rates from '../rates.js'

/**
 * Origin bodies up to this size are read into a Blob before the page gets them
 * (see fromOrigin); larger ones stream. 4 MiB holds typical images, scripts and
 * styles; video and large downloads stream or come by Range.
 */
const BLOB_BODY_MAX_BYTES = 4 * 1024 * 1024

/** Longest the SW waits for an origin body it verifies and keeps. */
const ORIGIN_KEEPALIVE_MS = 60_000

/** An origin body read natively, bounded so a stalled origin cannot keep the SW alive. */
function withinKeepalive<T> (read: Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const timeout = new Promise<never>((_resolve, reject) => { timer = setTimeout(() => reject(new Error('origin body timeout')), ORIGIN_KEEPALIVE_MS) })
  return Promise.race([read, timeout]).finally(() => clearTimeout(timer))
}

export { cacheable } from './cacheable.js'

/** Origin bytes [from, to) of the asset as a reader, by Range (a 200 is skipped forward). */
export async function originReader (url: string, from: number, to: number): Promise<ExactReader> {
  const res = await fetch(url, { headers: { Range: `bytes=${from}-${to - 1}` }, credentials: 'same-origin' })
  if (!res.body || (res.status !== 206 && res.status !== 200)) throw new Error(`origin answered ${res.status}`)
  const r = new ExactReader(res.body.getReader())
  if (res.status === 200 && from > 0) {
    const skipped = await r.read(from, STALL_MS * 5, STALL_MS * 5)
    if (!(skipped instanceof Uint8Array)) throw new Error('origin body ended early')
  }
  return r
}

/**
 * Reads origin bytes that start at asset offset `from` and hands every whole
 * unit inside them to the keeper as soon as it is complete; a unit the body
 * only partly covers is skipped. Holds at most one unit. Returns bytes read.
 */
export async function keepFromStream (t: KeepTarget, body: ReadableStream<Uint8Array>, from: number): Promise<number> {
  const { unit, hashes } = unitsOf(t.asset)
  let u = Math.ceil(from / unit)
  let buf: Uint8Array<ArrayBuffer> | null = null
  let filled = 0
  let pos = from
  let total = 0
  const reader = body.getReader()
  for (;;) {
    const { done, value } = await withinKeepalive(reader.read())
    if (done) break
    total += value.length
    let i = 0
    while (i < value.length && u < hashes.length) {
      const [a, b] = unitBounds(t.asset, u)
      if (pos < a) { const skip = Math.min(value.length - i, a - pos); i += skip; pos += skip; continue }
      buf ??= new Uint8Array(b - a)
      const take = Math.min(value.length - i, b - pos)
      buf.set(value.subarray(i, i + take), filled)
      filled += take; i += take; pos += take
      if (pos === b) {
        await keepUnit(t, u, buf, 'origin')
        buf = null; filled = 0; u++
      }
    }
    pos += value.length - i
  }
  return total
}

/** The origin, as the browser would have fetched it, counted and (when it may be kept) handed to the keeper. */
export async function fromOrigin (ctx: DeliveryContext, partial: boolean, reason?: FallbackReason): Promise<Response> {
  const { asset, path, request } = ctx
  const asked = Date.now()
  const res = await fetch(request)
  rates.origin.latency(Date.now() - asked)
  countRequest('origin')
  const clientId = clientOf(ctx)
  const record = (bytes: number): void => recordDelivery(path, { source: 'origin', bytes, bytesBySource: { peer: 0, origin: bytes, cache: 0 }, at: Date.now(), ...(reason ? { reason } : {}) }, clientId)
  if (!res.body) { record(0); return withSource(res, 'origin') }

  // Adding the source header means a new Response. Wrapping the origin's body
  // stream makes the SW pump it chunk by chunk in JavaScript: measured +35-45 ms
  // p95 per asset and 1.5x page load on a 2-core machine. A body of known,
  // moderate size is read natively into a Blob instead, which Chromium serves
  // to the page without the SW touching the bytes.
  const declared = decodedLength(res, asset.size, partial)
  // What of this response may be kept: from which asset offset its bytes run.
  // A Range answered by the origin (e.g. video) keeps the whole blocks inside
  // it, so a film visitors only stream still seeds.
  const range = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(res.headers.get('Content-Range') ?? '')
  const keepFrom = !cacheable(res)
    ? null
    : !partial && res.status === 200
        ? 0
        : partial && res.status === 206 && range && Number(range[3]) === asset.size && asset.blocks ? Number(range[1]) : null
  const t = keepTarget(ctx)
  // Stores run inside the task that reads them; waitUntil is taken by the caller.
  const target: KeepTarget = { ...t, defer: undefined }

  if (Number.isSafeInteger(declared) && declared <= BLOB_BODY_MAX_BYTES && (res.status === 200 || res.status === 206)) {
    // The body's time at the origin's rate (rates.ts): what the next request's choice weighs.
    const transfer = rates.origin.begin(declared)
    let blob: Blob
    try { blob = await withinKeepalive(res.blob()) } finally { transfer.end() }
    transfer.received(blob.size)
    countDelivered('origin', blob.size)
    record(blob.size)
    // Hashing small bodies waits for quiet so it never competes with the
    // page's own loading (no-peer overhead, bench/RESULTS.md).
    if (keepFrom !== null) ctx.event.waitUntil(whenQuiet(async () => { await keepFromStream(target, blob.stream(), keepFrom) }))
    return withSource(res, 'origin', blob)
  }

  // A body too large (or of unknown length) to hold: it streams through, and a
  // clone is verified and kept block by block as it arrives, at once.
  if (keepFrom !== null) {
    const copy = res.clone()
    ctx.event.waitUntil((async () => {
      let n = 0
      try { n = await keepFromStream(target, copy.body!, keepFrom) } catch { record(0); return }
      countDelivered('origin', n)
      record(n)
    })())
    return withSource(res, 'origin')
  }

  // Not kept (an error status, private): count what the origin sends.
  if (Number.isSafeInteger(declared) && declared >= 0) {
    countDelivered('origin', declared)
    record(declared)
    return withSource(res, 'origin')
  }
  let bytes = 0
  const counter = new TransformStream<Uint8Array, Uint8Array>({
    transform: (chunk, c) => { bytes += chunk.length; countDelivered('origin', chunk.length); c.enqueue(chunk) },
    flush: () => record(bytes)
  })
  return withSource(res, 'origin', res.body.pipeThrough(counter))
}
