// One place owns delivery of a manifest asset: verified cache → peers (through
// the leader tab, verified unit by unit) → origin. Nothing unverified from a
// peer ever reaches the page, the cache or the engine.
import type { Manifest, ManifestAsset } from '../src/shared/manifest.js'
import { sha256Base64 } from '../src/shared/integrity.js'
import type { FallbackReason, Source } from '../src/shared/protocol.js'
import { interpretRange } from '../src/shared/range.js'
import { CACHE_MAX_BYTES, FIRST_BYTE_MS, STALL_MS } from './config.js'
import { debug } from './debug.js'
import { notifyHave, requestFromLeader } from './leader.js'
import { assetResponse, withSource, type Span } from './responses.js'
import { countBytes, countRejected, countRequest, recordDelivery } from './stats.js'
import { cachedBlob, cachedBlocks, storeBlock, storeVerified } from './store.js'
import { whenQuiet } from './quiet.js'

/**
 * Origin bodies up to this size are read into a Blob before the page gets them
 * (see fromOrigin); larger ones stream. 4 MiB holds typical images, scripts and
 * styles; video and large downloads stream or come by Range.
 */
const BLOB_BODY_MAX_BYTES = 4 * 1024 * 1024

/** Longest the SW waits for an origin body it verifies and keeps. */
const ORIGIN_KEEPALIVE_MS = 60_000

export interface DeliveryContext {
  event: FetchEvent
  request: Request
  manifest: Manifest
  path: string
  asset: ManifestAsset
}

/** Verification units: per-block hashes for large assets, the whole asset otherwise. */
interface Units { unit: number, hashes: string[] }

function unitsOf (asset: ManifestAsset): Units {
  if (asset.blocks && asset.blockSize) return { unit: asset.blockSize, hashes: asset.blocks }
  return { unit: asset.size, hashes: [asset.integrity.slice('sha256-'.length)] }
}

export async function deliver (ctx: DeliveryContext): Promise<Response> {
  const { request, asset } = ctx
  const range = interpretRange(asset.size, request.headers.get('range'))
  // The origin knows best how to say 416; we only add the source header.
  if (range.kind === 'unsatisfiable') return fromOrigin(ctx, false)
  const partial = range.kind === 'partial'
  const span: Span = range.kind === 'partial' ? { start: range.start, end: range.end + 1 } : { start: 0, end: asset.size }

  const blob = await cachedBlob(asset)
  if (blob) return fromCache(ctx, partial ? blob.slice(span.start, span.end) : blob, span, partial)

  // A streamed video is kept block by block: a range may be whole in the cache.
  if (partial && asset.blocks && asset.blockSize) {
    const bs = asset.blockSize
    const b0 = Math.floor(span.start / bs)
    const blocks = await cachedBlocks(asset, b0, Math.floor((span.end - 1) / bs))
    if (blocks) return fromCache(ctx, new Blob(blocks).slice(span.start - b0 * bs, span.end - b0 * bs), span, partial)
  }

  const peer = await fromPeers(ctx, span, partial)
  if (peer instanceof Response) return peer
  return fromOrigin(ctx, partial, peer)
}

function clientOf (ctx: DeliveryContext): string | null {
  return ctx.event.clientId || ctx.event.resultingClientId || null
}

/** Verified bytes from Cache Storage (`body` is exactly `span`). */
function fromCache (ctx: DeliveryContext, body: Blob, span: Span, partial: boolean): Response {
  countRequest('cache')
  countBytes('cache', span.end - span.start)
  recordDelivery(ctx.path, { source: 'cache', bytes: span.end - span.start, at: Date.now() }, clientOf(ctx))
  return assetResponse(ctx.asset, 'cache', body, span, partial)
}

/** An origin body read natively, bounded so a stalled origin cannot keep the SW alive. */
function withinKeepalive<T> (read: Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const timeout = new Promise<never>((_resolve, reject) => { timer = setTimeout(() => reject(new Error('origin body timeout')), ORIGIN_KEEPALIVE_MS) })
  return Promise.race([read, timeout]).finally(() => clearTimeout(timer))
}

function cacheable (res: Response): boolean {
  const cc = (res.headers.get('Cache-Control') ?? '').toLowerCase()
  if (/\b(no-store|private)\b/.test(cc)) return false
  const vary = (res.headers.get('Vary') ?? '').toLowerCase()
  if (/(^|,)\s*(\*|cookie|authorization)\s*(,|$)/.test(vary)) return false
  return true
}

/** Reads exactly `n` bytes from a reader, each read bounded by a deadline. */
class ExactReader {
  private leftover: Uint8Array | null = null
  constructor (private readonly reader: ReadableStreamDefaultReader<Uint8Array>) {}

  async read (n: number, firstMs: number, stallMs: number): Promise<Uint8Array<ArrayBuffer> | 'timeout' | 'short'> {
    const out = new Uint8Array(n)
    let got = 0
    if (this.leftover) {
      const take = Math.min(n, this.leftover.length)
      out.set(this.leftover.subarray(0, take), 0)
      got = take
      this.leftover = take < this.leftover.length ? this.leftover.subarray(take) : null
    }
    let deadline = got === 0 ? firstMs : stallMs
    while (got < n) {
      let timer: ReturnType<typeof setTimeout> | undefined
      const timeout = new Promise<'timeout'>((resolve) => { timer = setTimeout(() => resolve('timeout'), deadline) })
      const r = await Promise.race([this.reader.read(), timeout])
      clearTimeout(timer)
      if (r === 'timeout') return 'timeout'
      if (r.done) return 'short'
      const chunk = r.value
      const take = Math.min(n - got, chunk.length)
      out.set(chunk.subarray(0, take), got)
      got += take
      if (take < chunk.length) this.leftover = chunk.subarray(take)
      deadline = stallMs
    }
    return out
  }

  cancel (): void { this.reader.cancel().catch(() => {}) }
}

/** Origin bytes [from, to) of the asset as a reader, by Range (a 200 is skipped forward). */
async function originReader (url: string, from: number, to: number): Promise<ExactReader> {
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
 * Tries the swarm. Resolves to a Response once the first unit arrived and
 * verified, or to the reason we go to origin instead. After the first unit the
 * response streams; a later failure switches to origin Range requests for the
 * rest, so the page never sees an error for what the origin can serve.
 */
async function fromPeers (ctx: DeliveryContext, span: Span, partial: boolean): Promise<Response | FallbackReason> {
  const { asset, manifest, path } = ctx
  const { unit, hashes } = unitsOf(asset)
  const u0 = Math.floor(span.start / unit)
  const u1 = Math.floor((span.end - 1) / unit)
  const fetchStart = u0 * unit
  const fetchEnd = Math.min(asset.size, (u1 + 1) * unit)

  const got = await requestFromLeader(path, fetchStart, fetchEnd, manifest.infoHash)
  if (typeof got === 'string') return got
  let reader = new ExactReader(got.stream.getReader())
  let source: Source = 'peer'
  let tainted = false // origin bytes that did not match the manifest
  const taintedUnits = new Set<number>()
  /** Verified blocks of a partial delivery, kept once the pages are quiet. */
  const keepBlocks: Array<[number, Uint8Array<ArrayBuffer>]> = []
  const verified: Uint8Array[] = []
  const keepForCache = fetchStart === 0 && fetchEnd === asset.size && asset.size <= CACHE_MAX_BYTES

  const unitRange = (u: number): [number, number] => [u * unit, Math.min(asset.size, (u + 1) * unit)]

  // Reads unit u from the current source; on a peer failure switches to origin.
  const readUnit = async (u: number, first: boolean): Promise<Uint8Array<ArrayBuffer> | FallbackReason> => {
    const [a, b] = unitRange(u)
    if (source === 'peer') {
      const r = await reader.read(b - a, first ? FIRST_BYTE_MS : STALL_MS, STALL_MS)
      if (r instanceof Uint8Array) {
        if (await sha256Base64(r) === hashes[u]) return r
        countRejected(r.length)
        debug('peer bytes failed SHA-256', path, u)
        reader.cancel()
        got.cancel()
        if (first) return 'peer-hash-mismatch'
      } else {
        reader.cancel()
        got.cancel()
        if (first) return r === 'timeout' ? 'first-byte-timeout' : 'peer-length-mismatch'
        debug('peer stalled, switching to origin', path, u, r)
      }
      source = 'origin'
      reader = await originReader(ctx.request.url, a, fetchEnd)
    }
    const r = await reader.read(b - a, STALL_MS * 5, STALL_MS * 5)
    if (!(r instanceof Uint8Array)) throw new Error(`origin ${r} at unit ${u}`)
    if (await sha256Base64(r) !== hashes[u]) { tainted = true; taintedUnits.add(u) } // deploy in progress: the origin is the truth, but not cached
    return r
  }

  const first = await readUnit(u0, true)
  if (typeof first === 'string') return first

  const clientId = clientOf(ctx)
  let delivered = 0
  let peerBytes = 0
  const emit = (u: number, bytes: Uint8Array<ArrayBuffer>, from: Source, c: ReadableStreamDefaultController<Uint8Array>): void => {
    const [a] = unitRange(u)
    const lo = Math.max(span.start, a) - a
    const hi = Math.min(span.end, a + bytes.length) - a
    const slice = bytes.subarray(lo, hi)
    if (keepForCache) verified.push(bytes)
    else if (asset.blocks && !taintedUnits.has(u)) keepBlocks.push([u, bytes])
    countBytes(from, slice.length)
    if (from === 'peer') peerBytes += slice.length
    delivered += slice.length
    c.enqueue(slice)
  }

  let next = u0 + 1
  let finish!: () => void
  const done = new Promise<void>((resolve) => { finish = resolve })
  countRequest('peer')
  const body = new ReadableStream<Uint8Array>({
    start: (c) => { emit(u0, first as Uint8Array<ArrayBuffer>, 'peer', c) },
    pull: async (c) => {
      try {
        if (next > u1) {
          c.close()
          reader.cancel()
          if (keepForCache && !tainted) {
            const blob = new Blob(verified as BlobPart[])
            if (await storeVerified(asset, blob)) notifyHave(path, manifest.infoHash)
          }
          if (keepBlocks.length) void whenQuiet(() => keepVerifiedBlocks(asset, keepBlocks, path, manifest.infoHash))
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
  return assetResponse(asset, 'peer', body, span, partial)
}

/** The origin, as the browser would have fetched it, counted and (when whole and matching) kept. */
async function fromOrigin (ctx: DeliveryContext, partial: boolean, reason?: FallbackReason): Promise<Response> {
  const { asset, path, request, manifest } = ctx
  const res = await fetch(request)
  countRequest('origin')
  const clientId = clientOf(ctx)
  const record = (bytes: number): void => recordDelivery(path, { source: 'origin', bytes, at: Date.now(), ...(reason ? { reason } : {}) }, clientId)
  if (!res.body) { record(0); return withSource(res, 'origin') }

  // Adding the source header means a new Response. Wrapping the origin's body
  // stream makes the SW pump it chunk by chunk in JavaScript: measured +35-45 ms
  // p95 per asset and 1.5x page load on a 2-core machine. A body of known,
  // moderate size is read natively into a Blob instead, which Chromium serves
  // to the page without the SW touching the bytes, and which is also what gets
  // verified and kept, later, when the pages are quiet.
  const declared = res.headers.has('Content-Encoding') ? NaN : Number(res.headers.get('Content-Length') ?? NaN)
  // What of this response may be kept: the whole asset, or (a Range answered
  // by the origin, e.g. video) the whole blocks inside it, so a film visitors
  // only stream still seeds.
  const range = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(res.headers.get('Content-Range') ?? '')
  const keepWhole = !partial && res.status === 200 && cacheable(res) && asset.size <= CACHE_MAX_BYTES
  const keepFrom = partial && res.status === 206 && range && Number(range[3]) === asset.size && asset.blocks && asset.blockSize && cacheable(res) ? Number(range[1]) : null
  /** Verifies and keeps, once the pages are quiet; `bytes` is read only then. */
  const keep = (bytes: () => Promise<ArrayBuffer>, blob?: Blob): Promise<void> => whenQuiet(async () => {
    if (keepWhole) {
      const buf = await bytes()
      if (buf.byteLength === asset.size) await keepOriginBytes(buf, blob)
    } else if (keepFrom !== null) {
      await keepOriginBlocks(await bytes(), keepFrom)
    }
  })

  if (Number.isSafeInteger(declared) && declared <= BLOB_BODY_MAX_BYTES && (res.status === 200 || res.status === 206)) {
    const blob = await withinKeepalive(res.blob())
    countBytes('origin', blob.size)
    record(blob.size)
    if (keepWhole || keepFrom !== null) ctx.event.waitUntil(keep(() => blob.arrayBuffer(), blob))
    return withSource(res, 'origin', blob)
  }

  // A body too large (or of unknown length) to hold: it streams through, and
  // the bytes to verify and keep come from a clone, read natively.
  if (keepWhole || keepFrom !== null) {
    const copy = res.clone()
    ctx.event.waitUntil((async () => {
      let buf: ArrayBuffer
      try { buf = await withinKeepalive(copy.arrayBuffer()) } catch { record(0); return }
      countBytes('origin', buf.byteLength)
      record(buf.byteLength)
      await keep(async () => buf)
    })())
    return withSource(res, 'origin')
  }
  async function keepOriginBytes (buf: ArrayBuffer, blob?: Blob): Promise<void> {
    // Origin bytes that do not match the manifest (a deploy in progress) went
    // to the page as the origin sent them, but are neither cached nor seeded.
    if (`sha256-${await sha256Base64(buf)}` !== asset.integrity) {
      debug('origin bytes do not match the manifest; not kept', path)
      return
    }
    if (await storeVerified(asset, blob ?? new Blob([buf]))) notifyHave(path, manifest.infoHash)
  }
  /** Keeps the whole verified blocks inside an origin 206 that started at `from`. */
  async function keepOriginBlocks (buf: ArrayBuffer, from: number): Promise<void> {
    const bs = asset.blockSize!
    const blocks: Array<[number, Uint8Array<ArrayBuffer>]> = []
    const end = from + buf.byteLength
    // Only blocks the range covers whole: [i·bs, min(size, (i+1)·bs)) ⊆ [from, end).
    for (let i = Math.ceil(from / bs); i * bs < end; i++) {
      const blockEnd = Math.min(asset.size, (i + 1) * bs)
      if (blockEnd > end) break
      blocks.push([i, new Uint8Array(buf, i * bs - from, blockEnd - i * bs)])
    }
    if (blocks.length) await keepVerifiedBlocks(asset, blocks, path, manifest.infoHash)
  }

  // Not kept (an error status, private): count what the origin sends.
  if (Number.isSafeInteger(declared) && declared >= 0) {
    countBytes('origin', declared)
    record(declared)
    return withSource(res, 'origin')
  }
  let bytes = 0
  const counter = new TransformStream<Uint8Array, Uint8Array>({
    transform: (chunk, c) => { bytes += chunk.length; countBytes('origin', chunk.length); c.enqueue(chunk) },
    flush: () => record(bytes)
  })
  return withSource(res, 'origin', res.body.pipeThrough(counter))
}

/** Verifies blocks against the manifest and keeps those that match, then offers them to the engine. */
async function keepVerifiedBlocks (asset: ManifestAsset, blocks: Array<[number, Uint8Array<ArrayBuffer>]>, path: string, infoHash: string): Promise<void> {
  let kept = 0
  for (const [i, bytes] of blocks) {
    if (await sha256Base64(bytes) !== asset.blocks![i]) continue // a deploy in progress: never kept
    if (await storeBlock(asset, i, bytes.slice())) kept++
  }
  if (kept) notifyHave(path, infoHash)
}

/**
 * Keeps an asset the page loaded before the SW controlled it: read from the
 * HTTP cache only (never a new origin request), verify, store.
 */
export async function adopt (asset: ManifestAsset, url: string): Promise<boolean> {
  try {
    const res = await fetch(url, { cache: 'only-if-cached', mode: 'same-origin', credentials: 'same-origin' })
    if (res.status !== 200 || !cacheable(res)) return false
    const buf = await res.arrayBuffer()
    if (buf.byteLength !== asset.size) return false
    if (`sha256-${await sha256Base64(buf)}` !== asset.integrity) return false
    return await storeVerified(asset, new Blob([buf]))
  } catch { return false }
}
