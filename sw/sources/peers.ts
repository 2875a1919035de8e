// Source 2: peers, through the leader tab, hedged by the origin. A one-unit
// request goes where it would finish first (rates.ts: the origin's and the
// peers' measured first byte and throughput, behind what each already has to
// send). A request that starts on peers is hedged unit by unit (hedged.ts):
// when the peers' projected finish falls behind the origin's, the origin
// fetches the missing units by bounded, block-aligned Range while the peers
// keep filling, and the first copy that verifies is used. FIRST_BYTE_MS and
// STALL_MS remain only as outer bounds on a peer. A cancel by the page (a
// seek, a navigation) is never taken for a stall: it stops every source.
import type { ByteSource, BytesBySource, FallbackReason, Source } from '../../src/shared/protocol.js'
import { unitBounds, unitsOf } from '../../src/shared/units.js'
import { debug } from '../debug.js'
import { ExactReader } from '../exact-reader.js'
import { countDelivered, keepUnit } from '../keeper.js'
import { requestFromLeader } from '../leader.js'
import { sliceToSpan, type Plan } from '../plan.js'
import * as rates from '../rates.js'
import { assetResponse } from '../responses.js'
import { countRequest, recordDelivery } from '../stats.js'
import { clientOf, keepTarget, type DeliveryContext } from './context.js'
import { HedgedUnits, type Got, type PeerStream } from './hedged.js'
import { ORIGIN_WINDOW_UNITS } from './origin-units.js'
import { claimUnits } from '../inflight.js'

type BytesPlan = Extract<Plan, { kind: 'bytes' }>

/**
 * Verified units waiting to be stored, at most (then they are stored while
 * the delivery goes on). Below the engine's bound for pieces it holds until
 * they are kept (48 MiB, src/engine/cache-store.ts). Measured on a 32 MiB
 * transfer: storing half of it mid-way cost about 20 % of the throughput.
 */
const PENDING_MAX_BYTES = 32 * 1024 * 1024

/** Resolves to a Response once the first unit verified, or to the reason to use the origin alone. */
export async function fromPeers (ctx: DeliveryContext, p: BytesPlan): Promise<Response | FallbackReason> {
  const k = peerUnits(ctx, p)
  if (k === 0) return 'origin-faster'
  const last = p.u0 + k - 1
  const askedAt = Date.now()
  const to = Math.min(p.fetch.end, unitBounds(ctx.asset, last)[1])
  // Queued on the peers from now: the next request of a burst, decided
  // before the leader answers this one, sees them (rates.peerUnits).
  const reserved = rates.peers.reserve(to - p.fetch.start)
  const got = await requestFromLeader(ctx.path, p.fetch.start, to, ctx.manifest.infoHash)
  if (typeof got === 'string') { reserved.cancel(); return got }
  return await deliverUnits(ctx, p, { reader: new ExactReader(got.stream.getReader()), cancel: got.cancel, askedAt, last, transfer: reserved.start() })
}

/** How many of the plan's first units to ask of the peers (rates.peerUnits); the origin fetches the rest at once. */
function peerUnits (ctx: DeliveryContext, p: BytesPlan): number {
  const ends: number[] = []
  for (let u = p.u0; u <= p.u1; u++) ends.push(unitBounds(ctx.asset, u)[1] - p.fetch.start)
  return rates.peerUnits(ends)
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
  const units = new HedgedUnits(ctx.request.url, asset, p.u0, p.u1, peer,
    (u, bytes, from, mayStore) => keepUnit(target, u, bytes, from, mayStore))
  let cancelled = false
  const stopAll = (): void => { cancelled = true; units.cancel() }
  // The page gave up on the request before or while it streams.
  const signal = ctx.request.signal as AbortSignal | undefined
  signal?.addEventListener('abort', stopAll)
  units.start()

  const clientId = clientOf(ctx)
  const by: BytesBySource = { peer: 0, origin: 0, cache: 0 }
  let finished = false
  const finish = (): void => {
    if (finished) return
    finished = true
    units.cancel()
    signal?.removeEventListener('abort', stopAll)
    ctx.event.waitUntil(flush().then(() => {
      // The keeper's stores of this delivery land before the requests waiting on these units look.
      release()
      const bytes = by.peer + by.origin + by.cache
      const why = reason ?? units.peerReason ?? undefined
      recordDelivery(path, { source: sourceOf(by, peer ? 'peer' : 'origin'), bytes, bytesBySource: { ...by }, at: Date.now(), ...(why ? { reason: why } : {}) }, clientId)
    }))
  }
  const slice = (u: number, got: Got): Uint8Array<ArrayBuffer> => {
    const s = sliceToSpan(got.bytes, unitBounds(asset, u)[0], p.span)
    countDelivered(got.from, s.length)
    by[got.from] += s.length
    return s
  }

  let first: Got
  try {
    first = await units.unit(p.u0)
  } catch (err) { stopAll(); finish(); throw err }
  countRequest(first.from)

  // A short answer (a media window, a small asset) is read whole first, so
  // its source header says exactly where its bytes came from (mixed when
  // both sent some), and the page gets it as one Blob the browser serves natively.
  if (p.u1 - p.u0 < ORIGIN_WINDOW_UNITS) {
    const parts: BlobPart[] = [slice(p.u0, first)]
    try {
      for (let u = p.u0 + 1; u <= p.u1; u++) parts.push(slice(u, await units.unit(u)))
    } catch (err) { stopAll(); finish(); throw err }
    finish()
    return assetResponse(asset, sourceOf(by, first.from), new Blob(parts), p.span, p.partial)
  }

  // A long answer streams unit by unit as the page reads; its header names
  // the source it starts from, its delivery event the bytes of each.
  let next = p.u0 + 1
  const body = new ReadableStream<Uint8Array>({
    start: (c) => { c.enqueue(slice(p.u0, first)) },
    pull: async (c) => {
      try {
        if (next > p.u1) { c.close(); finish(); return }
        const u = next++
        c.enqueue(slice(u, await units.unit(u)))
      } catch (err) {
        if (!cancelled) debug('delivery failed mid-stream', path, err)
        stopAll()
        c.error(err)
        finish()
      }
    },
    cancel: () => { stopAll(); finish() }
  }, { highWaterMark: 0 })
  return assetResponse(asset, first.from, body, p.span, p.partial)
}

/** `mixed` once bytes came from more than one source. */
function sourceOf (by: BytesBySource, fallback: ByteSource): Source {
  const used = (Object.keys(by) as ByteSource[]).filter((k) => by[k] > 0)
  return used.length > 1 ? 'mixed' : used[0] ?? fallback
}
