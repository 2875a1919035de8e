/// <reference path="../../../src/engine/webtorrent.d.ts" />
// The engine's outgoing-message batching on real bittorrent-protocol wires
// (the library WebTorrent uses), piped to each other: every message arrives
// intact and in order, while the sending wire hands its transport far fewer
// chunks.
import Wire from 'bittorrent-protocol'
import { describe, expect, it } from 'vitest'
import type { Wire as EngineWire } from 'webtorrent/dist/webtorrent.min.js'
import Piece from 'torrent-piece'
import { batchWire, coalesceUpdates, flushWithoutCopy } from '../../../src/engine/patches/index.js'

const INFO_HASH = 'aa'.repeat(20)

type TestWire = EngineWire & {
  _push: (data: Uint8Array) => unknown
  handshake: (infoHash: string, peerId: string, ext?: object) => void
  bitfield: (b: Uint8Array) => void
  unchoke: () => void
  request: (index: number, offset: number, length: number, cb: (err: Error | null, buf?: Uint8Array) => void) => void
  piece: (index: number, offset: number, buf: Uint8Array) => void
  pipe: (dest: unknown) => unknown
}

/** Two wires piped to each other; `a` batched, with every chunk it hands to its transport recorded. */
function pair (): { a: TestWire, b: TestWire, chunks: number[] } {
  const a = new Wire() as unknown as TestWire
  const b = new Wire() as unknown as TestWire
  const chunks: number[] = []
  const push = a._push
  a._push = (data) => { chunks.push(data.length); return push.call(a, data) }
  batchWire(a)
  a.pipe(b)
  b.pipe(a)
  return { a, b, chunks }
}

const tick = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 10))

async function handshaken (): Promise<ReturnType<typeof pair>> {
  const p = pair()
  const shaken = Promise.all([new Promise((r) => p.a.once('handshake', r)), new Promise((r) => p.b.once('handshake', r))])
  p.a.handshake(INFO_HASH, 'a'.repeat(40), { dht: false })
  p.b.handshake(INFO_HASH, 'b'.repeat(40), { dht: false })
  await shaken
  await tick()
  return p
}

describe('wire batching', () => {
  it('sends a round of requests as one chunk, and the peer reads every one in order', async () => {
    const { a, b, chunks } = await handshaken()
    const unchoked = new Promise((r) => a.once('unchoke', r))
    b.unchoke()
    await unchoked
    const seen: number[][] = []
    b.on('request', (index: number, offset: number, length: number) => { seen.push([index, offset, length]) })
    chunks.length = 0
    for (let i = 0; i < 100; i++) a.request(i, 0, 16384, () => {})
    await tick()
    expect(chunks).toEqual([100 * 17])
    expect(seen).toEqual(Array.from({ length: 100 }, (_, i) => [i, 0, 16384]))
  })

  it('sends a piece header with its block, several pieces per message, and the bytes arrive exact', async () => {
    const { a, b, chunks } = await handshaken()
    const got: Array<[number, number, Uint8Array]> = []
    b.on('piece', (index: number, offset: number, buf: Uint8Array) => { got.push([index, offset, buf.slice()]) })
    const blocks = Array.from({ length: 6 }, (_, i) => Uint8Array.from({ length: 16384 }, (_, j) => (i * 31 + j) & 255))
    chunks.length = 0
    // Not requested by b: bittorrent-protocol still parses and emits them.
    blocks.forEach((blk, i) => a.piece(i, 0, blk))
    await tick()
    // 13-byte header + 16 KiB block each; at most 64 KiB per message: 3 pieces, 3 pieces.
    expect(chunks).toEqual([3 * 16397, 3 * 16397])
    expect(got.map(([i, o]) => [i, o])).toEqual(blocks.map((_, i) => [i, 0]))
    got.forEach(([i, , buf]) => expect(Buffer.compare(buf, blocks[i])).toBe(0))
  })

  it('sends a message larger than the batch limit whole, on its own', async () => {
    const { a, b, chunks } = await handshaken()
    const got = new Promise<Uint8Array>((resolve) => b.once('piece', (_i: number, _o: number, buf: Uint8Array) => resolve(buf.slice())))
    const big = Uint8Array.from({ length: 128 * 1024 }, (_, j) => j & 255)
    chunks.length = 0
    a.piece(1, 0, big)
    expect(Buffer.compare(await got, big)).toBe(0)
    expect(chunks).toEqual([13 + 128 * 1024])
  })

  it('does not tell a peer it has a piece that peer already holds', async () => {
    const { a, b } = await handshaken()
    const bits = new Uint8Array(2)
    bits[0] = 0b00010000 // piece 3
    const bitfield = new Promise((r) => a.once('bitfield', r))
    b.bitfield(bits)
    await bitfield
    const haves: number[] = []
    b.on('have', (i: number) => haves.push(i))
    a.have(3)
    a.have(4)
    await tick()
    expect(haves).toEqual([4])
  })
})

describe('piece flush without a copy', () => {
  // The Piece class WebTorrent 3.0.21 bundles (torrent-piece), patched through an instance.
  const patched = (): typeof Piece => {
    const torrent = { pieces: [null, new Piece(16384)] }
    flushWithoutCopy(torrent)
    return Piece
  }

  it('hands on a one-block piece as the block itself', () => {
    patched()
    const p = new Piece(16384)
    const block = Uint8Array.from({ length: 16384 }, (_, j) => j & 255)
    p.set(p.reserve(), block, 'peer')
    const out = p.flush()!
    // The same bytes in memory: a view of the block, not a copy.
    expect(out.buffer).toBe(block.buffer)
    expect([out.byteOffset, out.length]).toEqual([0, 16384])
    expect(p.flush()).toBeNull()
  })

  it('still joins a piece of several blocks, exactly', () => {
    patched()
    const p = new Piece(40000)
    const parts = [16384, 16384, 7232].map((n, i) => Uint8Array.from({ length: n }, (_, j) => (i + j) & 255))
    parts.forEach((part) => p.set(p.reserve(), part, 'peer'))
    const out = p.flush()!
    expect(out.length).toBe(40000)
    expect(Buffer.compare(out, Buffer.concat(parts))).toBe(0)
  })
})

describe('coalesced request-scheduling passes', () => {
  it('runs one pass for many calls, and another for a call after it ran', async () => {
    let passes = 0
    const torrent = { destroyed: false, _update: () => {}, _updateWireWrapper: () => { passes++ } }
    coalesceUpdates(torrent)
    for (let i = 0; i < 100; i++) torrent._update()
    await tick()
    expect(passes).toBe(1)
    torrent._update()
    await tick()
    expect(passes).toBe(2)
    torrent.destroyed = true
    torrent._update()
    await tick()
    expect(passes).toBe(2)
  })
})
