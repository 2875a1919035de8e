// Reads exactly n bytes at a time from a stream, each read bounded by a
// deadline: a source that goes quiet is a timeout, never a wait forever.

export type ReadResult = Uint8Array<ArrayBuffer> | 'timeout' | 'short'

export class ExactReader {
  private leftover: Uint8Array | null = null
  constructor (private readonly reader: ReadableStreamDefaultReader<Uint8Array>) {}

  /**
   * `firstMs` bounds the first bytes, `stallMs` every later read;
   * `onBytes` hears each chunk's size as it arrives (what rates.ts measures).
   */
  async read (n: number, firstMs: number, stallMs: number, onBytes?: (n: number) => void): Promise<ReadResult> {
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
      let r: ReadableStreamReadResult<Uint8Array> | 'timeout'
      try {
        r = await Promise.race([this.reader.read(), timeout])
      } catch {
        // The other side errored the stream (an engine that lost the bytes).
        return 'short'
      } finally { clearTimeout(timer) }
      if (r === 'timeout') return 'timeout'
      if (r.done) return 'short'
      const chunk = r.value
      onBytes?.(chunk.length)
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
