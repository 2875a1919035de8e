// A read-only chunk store (the abstract-chunk-store interface webtorrent
// takes as `store`) over the published tree itself: piece bytes are read
// from the site's files at the offsets the manifest gives, and everything
// between assets (the `.pad/<n>` files, BEP 47) is zeros. The seeder thus
// serves straight from disk, writes nothing, and needs no copy of the site.
import { open, type FileHandle } from 'node:fs/promises'
import type { Manifest } from '../shared/manifest.js'
import { assetFile } from './tree.js'

interface Span { start: number, end: number, file: string }

type Cb<T> = (err: Error | null, value?: T) => void

export interface SiteStoreClass {
  new (chunkLength: number, opts?: { length?: number }): SiteStore
}

/** A store class bound to one tree and manifest (webtorrent instantiates it per torrent). */
export function siteStore (dir: string, manifest: Manifest): SiteStoreClass {
  const spans: Span[] = Object.entries(manifest.assets)
    .map(([path, a]) => ({ start: a.offset, end: a.offset + a.size, file: assetFile(dir, path) }))
    .sort((a, b) => a.start - b.start)
  return class extends SiteStore {
    constructor (chunkLength: number, opts: { length?: number } = {}) {
      super(chunkLength, opts.length ?? Math.max(0, ...spans.map((s) => s.end)), spans)
    }
  }
}

export class SiteStore {
  private readonly handles = new Map<string, Promise<FileHandle>>()
  private closed = false

  constructor (readonly chunkLength: number, private readonly length: number, private readonly spans: Span[]) {}

  /** The tree is the release: webtorrent never needs to write (every piece verifies at start). */
  put (_index: number, _buf: Uint8Array, cb: (err?: Error | null) => void = () => {}): void {
    queueMicrotask(() => { cb(new Error('swarmcdn seed: the published tree is read-only')) })
  }

  get (index: number, opts: { offset?: number, length?: number } | null | Cb<Uint8Array>, cb?: Cb<Uint8Array>): void {
    if (typeof opts === 'function') { cb = opts; opts = null }
    const done = cb ?? (() => {})
    const pieceStart = index * this.chunkLength
    const pieceLen = Math.max(0, Math.min(this.chunkLength, this.length - pieceStart))
    const offset = opts?.offset ?? 0
    const len = opts?.length ?? pieceLen - offset
    if (this.closed) { queueMicrotask(() => { done(new Error('store closed')) }); return }
    if (offset < 0 || len < 0 || offset + len > pieceLen) { queueMicrotask(() => { done(new Error(`piece ${index}: range out of bounds`)) }); return }
    this.read(pieceStart + offset, len).then((b) => { done(null, b) }, (err: unknown) => { done(err instanceof Error ? err : new Error(String(err))) })
  }

  private async read (start: number, len: number): Promise<Uint8Array> {
    const out = Buffer.alloc(len) // zeros: padding and gaps
    const end = start + len
    for (const s of this.spans) {
      if (s.end <= start) continue
      if (s.start >= end) break
      const from = Math.max(start, s.start)
      const to = Math.min(end, s.end)
      const fh = await this.handle(s.file)
      const { bytesRead } = await fh.read(out, from - start, to - from, from - s.start)
      if (bytesRead !== to - from) throw new Error(`${s.file}: shorter than the manifest says`)
    }
    return out
  }

  private handle (file: string): Promise<FileHandle> {
    let h = this.handles.get(file)
    if (h === undefined) {
      h = open(file, 'r')
      // A failed open is retried next time (the file may be mid-deploy).
      h.catch(() => { this.handles.delete(file) })
      this.handles.set(file, h)
    }
    return h
  }

  close (cb: (err?: Error | null) => void = () => {}): void {
    this.closed = true
    const all = [...this.handles.values()]
    this.handles.clear()
    Promise.allSettled(all.map(async (h) => { await (await h).close() })).then(() => { cb(null) }, () => { cb(null) })
  }

  destroy (cb: (err?: Error | null) => void = () => {}): void {
    // Never deletes anything: the files are the site's.
    this.close(cb)
  }
}
