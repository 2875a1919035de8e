// The engine's chunk store (abstract-chunk-store interface), over the SW's
// verified store in Cache Storage: the engine seeds from the very entries the
// SW's keeper wrote, and never holds a second copy. Pieces fetched from peers
// stay in memory only until the SW has verified and kept their unit (it then
// sends `kept`); what the store holds is known from its own index, so a start
// re-reads and re-hashes nothing.
import { ASSET_CACHE, cacheIndexKey, cacheUrlOf } from '../shared/cache-keys.js'
import { holdsUnit, unitBounds, unitKey, unitsCovering, unitsOf } from '../shared/units.js'
import type { ManifestAsset } from '../shared/manifest.js'
import type { PieceMap } from './layout.js'

type Cb<T = void> = (err: Error | null, value?: T) => void

/**
 * Pieces from peers held until their unit is kept. The SW stores a peer
 * delivery's units when it ends, or every 32 MiB (sw/sources/peers.ts); a unit
 * it never keeps (storage full) must not pin memory: past this, the oldest
 * are dropped and no longer offered.
 */
const MAX_IN_MEMORY_BYTES = 48 * 1024 * 1024
/** Blob handles kept: a handle is a few hundred bytes, its bytes stay on disk. */
const MAX_HANDLES = 256
/** Units kept after a read (256 KiB each): a peer asks for a unit's pieces one after another. */
const READ_AHEAD_UNITS = 8

export class CacheChunkStore {
  readonly chunkLength: number
  /** Store keys the SW reports kept (`integrity` or `integrity?block=N`). */
  readonly index = new Set<string>()
  private readonly inMemory = new Map<number, Uint8Array>()
  private inMemoryBytes = 0
  /** Blob handles of stored entries (bytes stay on disk): one Cache Storage lookup per entry, not per piece. */
  private readonly handles = new Map<string, Promise<Blob | null>>()
  private readonly units = new Map<string, Promise<Uint8Array | null>>()
  private cache: Promise<Cache> | null = null
  private closed = false

  constructor (private readonly map: PieceMap, private readonly scope: string, private readonly onLost: (piece: number) => void) {
    this.chunkLength = map.pieceLength
  }

  /** Reads the store's index (cache keys only: no entry is opened). */
  async load (): Promise<void> {
    try {
      for (const req of await (await this.open()).keys()) this.index.add(cacheIndexKey(req.url))
    } catch { /* no Cache Storage: nothing to seed */ }
  }

  get piecesInMemory (): number { return this.inMemory.size }

  /** The SW kept these units: pieces now whole in the store (to mark seedable). */
  kept (keys: string[]): number[] {
    for (const k of keys) this.index.add(k)
    const whole: number[] = []
    for (const i of this.map.piecesOfKeys(keys)) {
      if (!this.map.held(i, this.index)) continue
      whole.push(i)
      const buf = this.inMemory.get(i)
      if (buf) { this.inMemory.delete(i); this.inMemoryBytes -= buf.length }
    }
    return whole
  }

  /** The SW evicted these units: pieces no longer whole (to stop offering). */
  dropped (keys: string[]): number[] {
    for (const k of keys) { this.index.delete(k); this.handles.delete(k) }
    this.units.clear()
    return [...this.map.piecesOfKeys(keys)].filter((i) => !this.inMemory.has(i) && !this.map.held(i, this.index))
  }

  put (index: number, buf: Uint8Array, cb: Cb = () => {}): void {
    if (this.closed) { queueMicrotask(() => cb(new Error('Storage is closed'))); return }
    if (!this.inMemory.has(index)) {
      this.inMemory.set(index, buf)
      this.inMemoryBytes += buf.length
      this.trim()
    }
    queueMicrotask(() => cb(null))
  }

  get (index: number, opts: { offset?: number, length?: number } | null | Cb<Uint8Array>, cb?: Cb<Uint8Array>): void {
    if (typeof opts === 'function') { cb = opts; opts = null }
    const done = cb!
    if (this.closed) { queueMicrotask(() => done(new Error('Storage is closed'))); return }
    const mem = this.inMemory.get(index)
    const offset = opts?.offset ?? 0
    if (mem) {
      const length = opts?.length ?? mem.length - offset
      queueMicrotask(() => done(null, offset === 0 && length === mem.length ? mem : mem.subarray(offset, offset + length)))
      return
    }
    // Only what the index holds is read: a miss costs no Cache Storage round trip.
    if (!this.map.held(index, this.index)) { queueMicrotask(() => done(new Error('Chunk not found'))); return }
    this.readPiece(index).then((buf) => {
      if (!buf) { this.onLost(index); done(new Error('Chunk not found')); return }
      const length = opts?.length ?? buf.length - offset
      done(null, offset === 0 && length === buf.length ? buf : buf.subarray(offset, offset + length))
    }, (err: Error) => done(err))
  }

  close (cb: Cb = () => {}): void { this.closed = true; this.handles.clear(); this.units.clear(); queueMicrotask(() => cb(null)) }
  destroy (cb: Cb = () => {}): void { this.inMemory.clear(); this.inMemoryBytes = 0; this.close(cb) }

  private open (): Promise<Cache> {
    this.cache ??= caches.open(ASSET_CACHE)
    return this.cache
  }

  private trim (): void {
    for (const [i, buf] of this.inMemory) {
      if (this.inMemoryBytes <= MAX_IN_MEMORY_BYTES) break
      this.inMemory.delete(i)
      this.inMemoryBytes -= buf.length
      if (!this.map.held(i, this.index)) this.onLost(i)
    }
  }

  /** Piece i from the stored units: its asset's bytes, then zero padding. */
  private async readPiece (i: number): Promise<Uint8Array | null> {
    const [a, b] = this.map.pieceBounds(i)
    const out = new Uint8Array(b - a)
    for (const p of this.map.assetsOf(i)) {
      const from = Math.max(a, p.start) - p.start
      const to = Math.min(b, p.end) - p.start
      const [u0, u1] = unitsCovering(p.asset, from, to)
      for (let u = u0; u <= u1; u++) {
        const bytes = await this.unit(p.asset, u)
        if (!bytes) return null
        const [ua, ub] = unitBounds(p.asset, u)
        const lo = Math.max(from, ua)
        const hi = Math.min(to, ub)
        out.set(bytes.subarray(lo - ua, hi - ua), p.start + lo - a)
      }
      // A peer asks for a unit's pieces one after another, then the next
      // unit's: start reading that one now, so its first piece does not wait
      // on a Cache Storage round trip.
      if (u1 + 1 < unitsOf(p.asset).hashes.length && holdsUnit(this.index, p.asset, u1 + 1)) void this.unit(p.asset, u1 + 1)
    }
    return out
  }

  /**
   * Unit u's bytes, read whole (one read per 256 KiB block: a read per 16 KiB
   * piece cost 2x the CPU of the whole transfer in bench/throughput.js). A few
   * units are kept for the pieces that follow.
   */
  private unit (asset: ManifestAsset, u: number): Promise<Uint8Array | null> {
    const key = unitKey(asset, u)
    let p = this.units.get(key)
    if (!p) {
      const [ua, ub] = unitBounds(asset, u)
      p = this.source(asset, u)
        .then(async (src) => src ? new Uint8Array(await src.blob.slice(ua - src.at, ub - src.at).arrayBuffer()) : null)
        .catch(() => null)
      this.units.set(key, p)
      if (this.units.size > READ_AHEAD_UNITS) this.units.delete(this.units.keys().next().value!)
    }
    return p
  }

  /**
   * Where unit u's bytes are: the whole asset's entry (at asset offset 0) or
   * the unit's own entry. Blob handles only: the bytes stay on disk until a
   * piece's slice is read.
   */
  private async source (asset: ManifestAsset, u: number): Promise<{ blob: Blob, at: number } | null> {
    if (this.index.has(asset.integrity)) {
      const whole = await this.handle(asset.integrity, asset.size)
      if (whole) return { blob: whole, at: 0 }
    }
    const key = unitKey(asset, u)
    if (key === asset.integrity) return null
    const [ua, ub] = unitBounds(asset, u)
    const own = await this.handle(key, ub - ua)
    return own ? { blob: own, at: ua } : null
  }

  private handle (key: string, size: number): Promise<Blob | null> {
    let p = this.handles.get(key)
    if (!p) {
      p = this.open().then((c) => c.match(cacheUrlOf(this.scope, key)))
        .then(async (res) => { const b = res ? await res.blob() : null; return b && b.size === size ? b : null })
        .catch(() => null)
      this.handles.set(key, p)
      if (this.handles.size > MAX_HANDLES) this.handles.delete(this.handles.keys().next().value!)
      // A miss is not remembered: the entry may be written a moment later.
      void p.then((b) => { if (!b) this.handles.delete(key) })
    }
    return p
  }
}
