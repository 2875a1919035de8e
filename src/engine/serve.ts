// Serving the SW's byte requests: yes with a stream of exactly the asked bytes
// (transferable where the platform allows, chunk notes otherwise), or no with
// a reason, answered at once. The SW verifies every byte; this only reads.
import type { Torrent, TorrentFile } from 'webtorrent/dist/webtorrent.min.js'
import { pieceSpan, type Manifest } from '../shared/manifest.js'
import type { EngineMethods, GetAnswer } from '../shared/protocol.js'
import { transferring, type HandlerContext, type Transferring } from '../shared/rpc.js'
import { concatBytes } from './bytes.js'
import { endRead } from './file-read.js'
import type { Holders } from './holders.js'
import type { EngineLink } from './sw-link.js'
import { urgent } from './urgency.js'

/** Verified pieces handed to the SW in one message: one verification unit (256 KiB block). */
const HANDOFF_BATCH_BYTES = 256 * 1024

/** Whether streams can be transferred here (not in Safari): decided once. */
function streamsTransferable (): boolean {
  try {
    const s = new ReadableStream()
    const ch = new MessageChannel()
    ch.port1.postMessage(s, [s as unknown as Transferable])
    ch.port1.close(); ch.port2.close()
    return true
  } catch { return false }
}

export interface ServeDeps { torrent: Torrent, manifest: Manifest, files: Map<string, TorrentFile>, holders: Holders }

export function createServer (deps: ServeDeps): { pending: () => number, install: (link: EngineLink) => void, stopAll: () => void } {
  const { torrent, manifest, files, holders } = deps
  const active = new Map<number, () => void>()
  const transferable = streamsTransferable()

  const readStream = (path: string, start: number, end: number, req: number): ReadableStream<Uint8Array> => {
    const asset = manifest.assets[path]!
    const file = files.get(path)!
    const pieceAt = (p: number): number => Math.floor((asset.offset + p) / torrent.pieceLength)
    // Urgency (issue 13): the first unit of every request before the rest,
    // so a small asset never waits behind a large one (urgency.ts).
    const firstEnd = Math.min(end, start + (asset.blockSize ?? asset.size))
    const firstIn = urgent(torrent, [pieceAt(start), pieceAt(firstEnd - 1)])
    const it = file[Symbol.asyncIterator]({ start, end: end - 1 })
    let closed = false
    const stop = (): void => { if (!closed) { closed = true; active.delete(req); endRead(it); firstIn() } }
    active.set(req, stop)
    let pos = start
    return new ReadableStream<Uint8Array>({
      pull: async (c) => {
        const r = await it.next()
        if (r.done || closed) { stop(); c.close(); return }
        pos += r.value.length
        if (pos >= firstEnd) firstIn()
        // Pieces already verified here are batched into one message (16 KiB
        // pieces one by one were the handoff's main cost).
        let parts: Uint8Array[] | null = null
        let size = r.value.length
        while (size < HANDOFF_BATCH_BYTES && pos < end && torrent.bitfield.get(pieceAt(pos))) {
          const more = await it.next()
          if (more.done || closed) break
          ;(parts ??= [r.value]).push(more.value)
          size += more.value.length
          pos += more.value.length
        }
        // A block may be a view into a larger received message; a chunk crossing to the SW carries only its own bytes.
        if (!parts) { c.enqueue(r.value.byteLength === r.value.buffer.byteLength ? r.value : r.value.slice()); return }
        c.enqueue(concatBytes(parts, size))
      },
      cancel: stop
    })
  }

  const get = async (link: EngineLink, p: EngineMethods['get']['params'], ctx: HandlerContext): Promise<GetAnswer | Transferring<GetAnswer>> => {
    if (p.infoHash !== torrent.infoHash) return { kind: 'no', reason: 'release-mismatch' }
    const asset = manifest.assets[p.path]
    if (!asset || !files.has(p.path) || p.start < 0 || p.end > asset.size || p.start >= p.end) return { kind: 'no', reason: 'no-peer-has-it' }
    const [p0, p1] = pieceSpan(torrent.pieceLength, asset.offset + p.start, asset.offset + p.end)
    if (!(await holders.wait(p0, p1, ctx.signal))) return { kind: 'no', reason: 'no-peer-has-it' }
    const stream = readStream(p.path, p.start, p.end, p.req)
    if (transferable) return transferring<GetAnswer>({ kind: 'stream', stream }, [stream as unknown as Transferable])
    // Chunked fallback: notes follow the answer.
    queueMicrotask(() => { void pump(link, stream, p.req) })
    return { kind: 'chunked' }
  }

  const pump = async (link: EngineLink, stream: ReadableStream<Uint8Array>, req: number): Promise<void> => {
    const r = stream.getReader()
    try {
      for (;;) {
        const { done, value } = await r.read()
        if (done || !active.has(req)) break
        const copy = value.slice().buffer
        link.notify('chunk', { req, data: copy }, [copy])
      }
      link.notify('end', { req })
    } catch {
      link.notify('fail', { req, reason: 'stalled' })
    }
  }

  return {
    /** The SW's requests being read now (prefetch waits while there are any). */
    pending: () => active.size,
    install: (link) => {
      link.handle('get', (p, ctx) => get(link, p, ctx))
      link.handle('ping', () => ({ at: Date.now() }))
      link.on('stop', ({ req }) => active.get(req)?.())
    },
    stopAll: () => { for (const stop of [...active.values()]) stop() }
  }
}
