// Source 2: peers, through the leader tab. Decides and streams: the first
// unit must arrive and verify within FIRST_BYTE_MS, later ones within
// STALL_MS; after the first unit a failure switches to origin Range requests
// for the rest, so the page never sees an error for what the origin can serve.
import type { FallbackReason, Source } from '../../src/shared/protocol.js'
import { unitBounds } from '../../src/shared/units.js'
import { FIRST_BYTE_MS, STALL_MS } from '../config.js'
import { debug } from '../debug.js'
import type { ExactReader } from '../exact-reader.js'
import { ExactReader as Reader } from '../exact-reader.js'
import { countDelivered, keepUnit } from '../keeper.js'
import { requestFromLeader } from '../leader.js'
import { sliceToSpan, type Plan } from '../plan.js'
import { assetResponse } from '../responses.js'
import { countRequest, recordDelivery } from '../stats.js'
import { clientOf, keepTarget, type DeliveryContext } from './context.js'
import { originReader } from './origin.js'
import { claimUnits } from '../inflight.js'

type BytesPlan = Extract<Plan, { kind: 'bytes' }>

/** Resolves to a streaming Response once the first unit verified, or to the reason to use the origin. */
export async function fromPeers (ctx: DeliveryContext, p: BytesPlan): Promise<Response | FallbackReason> {
  const { asset, path } = ctx
  const got = await requestFromLeader(path, p.fetch.start, p.fetch.end, ctx.manifest.infoHash)
  if (typeof got === 'string') return got
  // Other requests for these units wait for this one (inflight.ts) until it ends.
  const release = claimUnits(asset.integrity, p.u0, p.u1)
  let reader: ExactReader = new Reader(got.stream.getReader())
  let source: Source = 'peer'
  const stores: Promise<unknown>[] = []
  const target = { ...keepTarget(ctx), defer: (s: Promise<unknown>) => { stores.push(s); ctx.event.waitUntil(s) } }

  // Reads unit u from the current source and hands it to the keeper; on a
  // peer failure switches to the origin.
  const readUnit = async (u: number, first: boolean): Promise<Uint8Array<ArrayBuffer> | FallbackReason> => {
    const [a, b] = unitBounds(asset, u)
    if (source === 'peer') {
      const r = await reader.read(b - a, first ? FIRST_BYTE_MS : STALL_MS, STALL_MS)
      if (r instanceof Uint8Array && await keepUnit(target, u, r, 'peer')) return r
      reader.cancel()
      got.cancel()
      if (first) return r instanceof Uint8Array ? 'peer-hash-mismatch' : r === 'timeout' ? 'first-byte-timeout' : 'peer-length-mismatch'
      debug('peer failed mid-stream, switching to origin', path, u, r instanceof Uint8Array ? 'hash' : r)
      source = 'origin'
      reader = await originReader(ctx.request.url, a, p.fetch.end)
    }
    const r = await reader.read(b - a, STALL_MS * 5, STALL_MS * 5)
    if (!(r instanceof Uint8Array)) throw new Error(`origin ${r} at unit ${u}`)
    // Origin bytes that do not match are a deploy in progress: the origin is
    // the truth for the page, but the keeper does not keep them.
    await keepUnit(target, u, r, 'origin')
    return r
  }

  const first = await readUnit(p.u0, true).catch((err: unknown) => { release(); throw err })
  if (typeof first === 'string') { release(); return first }

  const clientId = clientOf(ctx)
  let delivered = 0
  let peerBytes = 0
  const emit = (u: number, bytes: Uint8Array, from: Source, c: ReadableStreamDefaultController<Uint8Array>): void => {
    const slice = sliceToSpan(bytes, unitBounds(asset, u)[0], p.span)
    countDelivered(from, slice.length)
    if (from === 'peer') peerBytes += slice.length
    delivered += slice.length
    c.enqueue(slice)
  }

  let next = p.u0 + 1
  let finish!: () => void
  const done = new Promise<void>((resolve) => { finish = resolve }).then(async () => {
    // Let the keeper's stores of this delivery land before the waiters look.
    await Promise.all(stores)
    release()
  })
  countRequest('peer')
  const body = new ReadableStream<Uint8Array>({
    start: (c) => { emit(p.u0, first, 'peer', c) },
    pull: async (c) => {
      try {
        if (next > p.u1) {
          c.close()
          reader.cancel()
          finish()
          return
        }
        const u = next++
        const bytes = await readUnit(u, false)
        if (typeof bytes === 'string') throw new Error(bytes)
        emit(u, bytes, source, c)
      } catch (err) {
        debug('delivery failed mid-stream', path, err)
        c.error(err)
        finish()
      }
    },
    cancel: () => { reader.cancel(); got.cancel(); finish() }
  })
  ctx.event.waitUntil(done.then(() => {
    recordDelivery(path, { source: peerBytes > 0 ? 'peer' : 'origin', bytes: delivered, at: Date.now() }, clientId)
  }))
  return assetResponse(asset, 'peer', body, p.span, p.partial)
}
