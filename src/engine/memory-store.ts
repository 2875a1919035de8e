// A chunk store in memory (abstract-chunk-store interface). The durable copy
// of verified bytes is Cache Storage; this is the engine's working set.
type Cb<T = void> = (err: Error | null, value?: T) => void

export class MemoryStore {
  readonly chunkLength: number
  private chunks: Array<Uint8Array | undefined> = []
  private closed = false

  constructor (chunkLength: number) { this.chunkLength = chunkLength }

  /** Bytes currently held (for the upload/quota figures). */
  get bytes (): number {
    let n = 0
    for (const c of this.chunks) if (c) n += c.length
    return n
  }

  put (index: number, buf: Uint8Array, cb: Cb = () => {}): void {
    if (this.closed) { queueMicrotask(() => cb(new Error('Storage is closed'))); return }
    this.chunks[index] = buf
    queueMicrotask(() => cb(null))
  }

  get (index: number, opts: { offset?: number, length?: number } | null | Cb<Uint8Array>, cb?: Cb<Uint8Array>): void {
    if (typeof opts === 'function') { cb = opts; opts = null }
    const done = cb!
    if (this.closed) { queueMicrotask(() => done(new Error('Storage is closed'))); return }
    const buf = this.chunks[index]
    if (!buf) { queueMicrotask(() => done(new Error('Chunk not found'))); return }
    const offset = opts?.offset ?? 0
    const length = opts?.length ?? buf.length - offset
    queueMicrotask(() => done(null, offset === 0 && length === buf.length ? buf : buf.subarray(offset, offset + length)))
  }

  has (index: number): boolean { return this.chunks[index] !== undefined }

  close (cb: Cb = () => {}): void { this.closed = true; queueMicrotask(() => cb(null)) }
  destroy (cb: Cb = () => {}): void { this.chunks = []; this.close(cb) }
}
