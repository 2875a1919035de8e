// Source 2: peers, through the leader tab, and the origin by bounded Range
// for what peers do not deliver. Decides and streams: the first unit must
// arrive and verify within FIRST_BYTE_MS, later ones within STALL_MS; after
// the first unit a failure switches to the origin (origin-units.ts) for the
// rest, so the page never sees an error for what the origin can serve. A
// cancel by the page (a seek, a navigation) is never taken for a stall: it
// stops every source at once.
import type { ByteSource, BytesBySource, FallbackReason, Source } from '../../src/shared/protocol.js'
import { unitBounds, unitsOf } from '../../src/shared/units.js'
import { FIRST_BYTE_MS, STALL_MS } from '../config.js'
import { debug } from '../debug.js'
import { ExactReader } from '../exact-reader.js'
import { countDelivered, keepUnit } from '../keeper.js'
import { requestFromLeader } from '../leader.js'
import { sliceToSpan, type Plan } from '../plan.js'
import { assetResponse } from '../responses.js'
import { countRequest, recordDelivery } from '../stats.js'
import { clientOf, keepTarget, type DeliveryContext } from './context.js'
import { ORIGIN_WINDOW_UNITS, OriginUnits } from './origin-units.js'
import { claimUnits } from '../inflight.js'

type BytesPlan = Extract<Plan, { kind: 'bytes' }>

/**
 * Verified units waiting to be stored, at most (then they are stored while
 * the delivery goes on). Below the engine's bound for pieces it holds until
 * they are kept (48 MiB, src/engine/cache-store.ts). Measured on a 32 MiB
 * transfer: storing half of it mid-way cost about 20 % of the throughput.
 */
const PENDING_MAX_BYTES = 32 * 1024 * 1024

interface PeerStream { reader: ExactReader, cancel: () => void }

/** Resolves to a streaming Response once the first unit verified, or to the reason to use the origin. */
export async function fromPeers (ctx: DeliveryContext, p: BytesPlan): Promise<Response | FallbackReason> {
  const got = await requestFromLeader(ctx.path, p.fetch.start, p.fetch.end, ctx.manifest.infoHash)
  if (typeof got === 'string') return got
  return await deliverUnits(ctx, p, { reader: new ExactReader(got.stream.getReader()), cancel: got.cancel })
}

/** The plan's units from the origin by bounded Range, verified and kept as they pass. */
export async function fromOriginUnits (ctx: DeliveryContext, p: BytesPlan, reason?: FallbackReason): Promise<Response> {
  const r = await deliverUnits(ctx, p, null, reason)
  if (typeof r === 'string') throw new Error(r)
  return r
}

async function deliverUnits (ctx: DeliveryContext, p: BytesPlan, peer: PeerStream | null, reason?: FallbackReason): Promise<Response | FallbackReason> {
  const { asset, path } = ctx
  // Other requests for these units wait for this one (inflight.ts) until it ends.
  const release = claimUnits(asset.integrity, p.u0, p.u1)
  let source: ByteSource = peer ? 'peer' : 'origin'
  let origin: OriginUnits | null = null
  let cancelled = false
  const stopAll = (): void => {
    cancelled = true
    peer?.reader.cancel(); peer?.cancel()
    origin?.cancel()
  }
  // The page gave up on the request before or while it streams.
  const signal = ctx.request.signal as AbortSignal | undefined
  signal?.addEventListener('abort', stopAll)
  // Verified units are stored when the delivery ends (puts during a transfer
  // cost it a quarter of its speed, bench/RESULTS.md), or once PENDING_MAX_BYTES
  // wait, so neither this SW nor the engine holds more than that.
  const stores: Array<() => Promise<unknown>> = []
  let pending = 0
  let flushing: Promise<void> = Promise.resolve()
  const flush = (): Promise<void> => {
    const batch = stores.splice(0)
    pending = 0
    flushing = flushing.then(async () => { for (const store of batch) await store() })
    ctx.event.waitUntil(flushing)
    return flushing
  }
  const target = {
    ...keepTarget(ctx),
    later: (store: () => Promise<unknown>) => {
      stores.push(store)
      if ((pending += unitsOf(asset).unit) > PENDING_MAX_BYTES) void flush()
    }
  }

  // Reads unit u from the current source and hands it to the keeper; on a
  // peer failure switches to the origin.
  const readUnit = async (u: number, first: boolean): Promise<{ bytes: Uint8Array<ArrayBuffer>, from: ByteSource } | FallbackReason> => {
    const [a, b] = unitBounds(asset, u)
    if (source === 'peer' && peer) {
      const r = await peer.reader.read(b - a, first ? FIRST_BYTE_MS : STALL_MS, STALL_MS)
      if (cancelled) throw new Error('cancelled')
      if (r instanceof Uint8Array && await keepUnit(target, u, r, 'peer')) return { bytes: r, from: 'peer' }
      peer.reader.cancel()
      peer.cancel()
      if (first) return r instanceof Uint8Array ? 'peer-hash-mismatch' : r === 'timeout' ? 'first-byte-timeout' : 'peer-length-mismatch'
      debug('peer failed mid-stream, switching to origin', path, u, r instanceof Uint8Array ? 'hash' : r)
      source = 'origin'
    }
    if (cancelled) throw new Error('cancelled')
    origin ??= new OriginUnits(ctx.request.url, asset, p.u1)
    const r = await origin.unit(u)
    // Origin bytes that do not match are a deploy in progress: the origin is
    // the truth for the page, but the keeper does not keep them.
    await keepUnit(target, u, r, 'origin', origin.mayStore)
    return { bytes: r, from: 'origin' }
  }

  const clientId = clientOf(ctx)
  const by: BytesBySource = { peer: 0, origin: 0, cache: 0 }
  let finished = false
  const finish = (): void => {
    if (finished) return
    finished = true
    signal?.removeEventListener('abort', stopAll)
    ctx.event.waitUntil(flush().then(() => {
      // The keeper's stores of this delivery land before the requests waiting on these units look.
      release()
      const bytes = by.peer + by.origin + by.cache
      recordDelivery(path, { source: sourceOf(by, source), bytes, bytesBySource: { ...by }, at: Date.now(), ...(reason ? { reason } : {}) }, clientId)
    }))
  }
  const slice = (u: number, got: { bytes: Uint8Array<ArrayBuffer>, from: ByteSource }): Uint8Array<ArrayBuffer> => {
    const s = sliceToSpan(got.bytes, unitBounds(asset, u)[0], p.span)
    countDelivered(got.from, s.length)
    by[got.from] += s.length
    return s
  }

  let first
  try {
    first = await readUnit(p.u0, true)
  } catch (err) { stopAll(); finish(); throw err }
  if (typeof first === 'string') { release(); signal?.removeEventListener('abort', stopAll); return first }
  countRequest(first.from)

  // A short answer (a media window) is read whole first, so its source header
  // says exactly where its bytes came from (mixed when a peer failed midway),
  // and the page gets it as one Blob the browser serves natively.
  if (p.u1 - p.u0 < ORIGIN_WINDOW_UNITS) {
    const parts: BlobPart[] = [slice(p.u0, first)]
    try {
      for (let u = p.u0 + 1; u <= p.u1; u++) {
        const got = await readUnit(u, false)
        if (typeof got === 'string') throw new Error(got)
        parts.push(slice(u, got))
      }
    } catch (err) { stopAll(); finish(); throw err }
    finish()
    return assetResponse(asset, sourceOf(by, source), new Blob(parts), p.span, p.partial)
  }

  // A long answer streams unit by unit as the page reads; its header names
  // the source it starts from, its delivery event the bytes of each.
  const startedFrom = first.from
  let next = p.u0 + 1
  const body = new ReadableStream<Uint8Array>({
    start: (c) => { c.enqueue(slice(p.u0, first)) },
    pull: async (c) => {
      try {
        if (next > p.u1) { c.close(); stopAll(); finish(); return }
        const u = next++
        const got = await readUnit(u, false)
        if (typeof got === 'string') throw new Error(got)
        c.enqueue(slice(u, got))
      } catch (err) {
        if (!cancelled) debug('delivery failed mid-stream', path, err)
        stopAll()
        c.error(err)
        finish()
      }
    },
    cancel: () => { stopAll(); finish() }
  }, { highWaterMark: 0 })
  return assetResponse(asset, startedFrom, body, p.span, p.partial)
}

/** `mixed` once bytes came from more than one source. */
function sourceOf (by: BytesBySource, fallback: ByteSource): Source {
  const used = (Object.keys(by) as ByteSource[]).filter((k) => by[k] > 0)
  return used.length > 1 ? 'mixed' : used[0] ?? fallback
}
