// One read pass over a release: SHA-256 of every file (SRI), SHA-256 per block
// for large files, and the BitTorrent v1 SHA-1 piece hashes over the
// files in order, each starting on a piece boundary (zero padding between).
//
// Two threads share the work: this thread reads files (synchronous reads into
// a ring of shared 4 MiB slots, small files packed back to back) and runs the
// SHA-1 piece stream, which is inherently sequential; a worker runs the
// per-file SHA-256 (whole + blocks) on the same shared bytes. Per byte that is
// read + SHA-1 here against one or two SHA-256 passes there. Measured on a
// 2-core machine over a 210 MB tree of 3,105 mixed-size files: 364 ms with
// everything on one thread, ~240 ms with this split (sha256sum: 440 ms).
import { closeSync, openSync, readSync } from 'node:fs'
import { createHash, hash as oneShotHash, type Hash } from 'node:crypto'
import { Worker } from 'node:worker_threads'
import { DEFAULT_BLOCK_SIZE } from '../shared/manifest.js'
import { CliError } from './errors.js'

export interface HashInput {
  /** Absolute path to read. */
  abs: string
  /** Path shown in messages. */
  rel: string
  /** Expected size; a file that reads shorter or longer is an error. */
  size: number
}

export interface FileDigest {
  /** `sha256-<base64>` of the whole file. */
  integrity: string
  /** Base64 SHA-256 per block, only for files larger than one block. */
  blocks?: string[]
}

export interface HashResult {
  files: FileDigest[]
  /** Concatenated 20-byte SHA-1 piece hashes (empty when `pieceLength` is 0). */
  pieces: Buffer
}

export interface HashOptions {
  /** Torrent piece length; 0 skips piece hashing (verify of a damaged tree). */
  pieceLength: number
  blockSize?: number
  onProgress?: (bytesDone: number, bytesTotal: number) => void
}

/**
 * Slot size: reads of 1–4 MiB amortise syscalls and message passing; four
 * slots let the reader run up to three slots ahead of the SHA-256 worker.
 */
const SLOT_SIZE = 4 * 1024 * 1024
const SLOTS = 4

/** One-byte target for the end-of-file probe that notices a file that grew. */
const probe = Buffer.alloc(1)

interface Segment { file: number, start: number, length: number, first: boolean, last: boolean, size: number }
interface SlotMessage { slot: number, segments: Segment[] }
interface WorkerReply { slot: number, results: Array<{ file: number, integrity: string, blocks: string[] | null }> }

// The worker is plain JavaScript evaluated from a string, so it runs the same
// from the rollup bundle (dist/cli.js) and from the TypeScript sources under
// vitest, with no second entry point to build.
const WORKER_SOURCE = `
'use strict'
const { parentPort, workerData } = require('node:worker_threads')
const { createHash } = require('node:crypto')
const { buffer, slotSize, blockSize } = workerData
let whole = null, block = null, blockFill = 0, blocks = null
parentPort.on('message', (msg) => {
  const results = []
  for (const seg of msg.segments) {
    if (seg.first) { whole = createHash('sha256'); block = createHash('sha256'); blockFill = 0; blocks = seg.size > blockSize ? [] : null }
    const data = new Uint8Array(buffer, msg.slot * slotSize + seg.start, seg.length)
    whole.update(data)
    // Files of one block or less need no block list: the whole-file hash covers them.
    if (blocks !== null) for (let i = 0; i < data.length;) {
      const n = Math.min(blockSize - blockFill, data.length - i)
      block.update(data.subarray(i, i + n))
      blockFill += n
      i += n
      if (blockFill === blockSize) { blocks.push(block.digest('base64')); block = createHash('sha256'); blockFill = 0 }
    }
    if (seg.last) {
      if (blocks !== null && blockFill > 0) blocks.push(block.digest('base64'))
      results.push({ file: seg.file, integrity: 'sha256-' + whole.digest('base64'), blocks })
    }
  }
  parentPort.postMessage({ slot: msg.slot, results })
})
`

/** Sequential SHA-1 over the concatenated release, cut into pieces. */
class PieceHasher {
  readonly out: Buffer
  private count = 0
  private partial: Hash | null = null
  private fill = 0

  constructor (private readonly pieceLength: number, pieceCount: number) {
    this.out = Buffer.alloc(pieceCount * 20)
  }

  /** Zero padding up to the next piece boundary: the next file starts a piece (padAfter). */
  alignToPiece (): void {
    if (this.fill === 0) return
    this.partial!.update(Buffer.alloc(this.pieceLength - this.fill))
    this.emit(this.partial!.digest())
  }

  update (data: Buffer): void {
    const pl = this.pieceLength
    let i = 0
    if (this.fill > 0) {
      const n = Math.min(pl - this.fill, data.length)
      this.partial!.update(data.subarray(0, n))
      this.fill += n
      i = n
      if (this.fill === pl) this.emit(this.partial!.digest())
    }
    // Whole pieces inside the chunk: one-shot hashing, no Hash object per piece.
    for (; i + pl <= data.length; i += pl) this.emit(oneShotHash('sha1', data.subarray(i, i + pl), 'buffer'))
    if (i < data.length) {
      this.partial = createHash('sha1').update(data.subarray(i))
      this.fill = data.length - i
    }
  }

  finish (): Buffer {
    if (this.fill > 0) this.emit(this.partial!.digest())
    if (this.count * 20 !== this.out.length) throw new Error(`piece count ${this.count} does not match the release length`)
    return this.out
  }

  private emit (digest: Buffer): void {
    digest.copy(this.out, this.count * 20)
    this.count++
    this.fill = 0
    this.partial = null
  }
}

export async function hashRelease (files: readonly HashInput[], options: HashOptions): Promise<HashResult> {
  const blockSize = options.blockSize ?? DEFAULT_BLOCK_SIZE
  const totalBytes = files.reduce((sum, f) => sum + f.size, 0)
  // Each file starts on a piece boundary (padAfter), so it has its own pieces.
  const pieceCount = options.pieceLength > 0 ? files.reduce((n, f) => n + Math.ceil(f.size / options.pieceLength), 0) : 0
  const pieces = options.pieceLength > 0 ? new PieceHasher(options.pieceLength, pieceCount) : null
  const digests: Array<FileDigest | undefined> = new Array(files.length)

  const shared = new SharedArrayBuffer(SLOT_SIZE * SLOTS)
  const slotBuf = (slot: number): Buffer => Buffer.from(shared, slot * SLOT_SIZE, SLOT_SIZE)
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { buffer: shared, slotSize: SLOT_SIZE, blockSize } })

  // Slots the worker still holds, and the waiter for the next release.
  const busy = new Set<number>()
  let wake: (() => void) | null = null
  let failure: unknown = null
  worker.on('message', (reply: WorkerReply) => {
    for (const r of reply.results) {
      digests[r.file] = r.blocks === null ? { integrity: r.integrity } : { integrity: r.integrity, blocks: r.blocks }
    }
    busy.delete(reply.slot)
    wake?.()
  })
  worker.on('error', (err) => { failure = err; wake?.() })
  worker.on('exit', (code) => { if (busy.size > 0) failure ??= new Error(`hash worker exited with code ${code}`); wake?.() })
  const waitForWorker = async (): Promise<void> => {
    if (failure !== null) throw failure
    await new Promise<void>((resolve) => { wake = resolve })
    wake = null
    if (failure !== null) throw failure
  }

  let done = 0
  let slot = 0
  let fill = 0
  let segments: Segment[] = []
  const flush = async (): Promise<void> => {
    if (segments.length === 0) return
    const buf = slotBuf(slot)
    busy.add(slot)
    const msg: SlotMessage = { slot, segments }
    worker.postMessage(msg)
    if (pieces) {
      for (const seg of segments) {
        pieces.update(buf.subarray(seg.start, seg.start + seg.length))
        if (seg.last && seg.file < files.length - 1) pieces.alignToPiece()
      }
    }
    done += fill
    options.onProgress?.(done, totalBytes)
    slot = (slot + 1) % SLOTS
    fill = 0
    segments = []
    while (busy.has(slot)) await waitForWorker()
  }

  try {
    for (let f = 0; f < files.length; f++) {
      const file = files[f]
      let fd: number
      try {
        fd = openSync(file.abs, 'r')
      } catch (err) {
        throw new CliError('unreadable', `cannot read ${JSON.stringify(file.rel)}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, { cause: err })
      }
      try {
        let read = 0
        let first = true
        if (file.size === 0) segments.push({ file: f, start: fill, length: 0, first: true, last: true, size: 0 })
        for (;;) {
          if (fill === SLOT_SIZE) await flush()
          const want = Math.min(SLOT_SIZE - fill, file.size - read)
          // Ask for one byte more than expected at the end, to notice growth.
          const n = want > 0 ? readSync(fd, slotBuf(slot), fill, want, null) : readSync(fd, probe, 0, 1, null)
          if (want === 0) {
            if (n !== 0) throw new CliError('changed-during-publish', `${JSON.stringify(file.rel)} grew while it was being hashed; publish again`)
            break
          }
          if (n === 0) throw new CliError('changed-during-publish', `${JSON.stringify(file.rel)} shrank while it was being hashed; publish again`)
          const last = read + n === file.size
          segments.push({ file: f, start: fill, length: n, first, last, size: file.size })
          first = false
          fill += n
          read += n
        }
      } catch (err) {
        if (err instanceof CliError) throw err
        throw new CliError('unreadable', `cannot read ${JSON.stringify(file.rel)}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, { cause: err })
      } finally {
        closeSync(fd)
      }
    }
    await flush()
    while (busy.size > 0) await waitForWorker()
  } finally {
    await worker.terminate()
  }

  const out: FileDigest[] = []
  for (let i = 0; i < files.length; i++) {
    const d = digests[i]
    if (d === undefined) throw new Error(`no digest for ${files[i].rel}`)
    out.push(d)
  }
  return { files: out, pieces: pieces?.finish() ?? Buffer.alloc(0) }
}
