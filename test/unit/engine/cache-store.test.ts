// The engine's chunk store over the SW's verified store: the startup bitfield
// comes from the store's index alone (no entry opened, nothing hashed); pieces
// are read from whole entries or blocks with their zero padding; pieces from
// peers stay in memory only until their unit is kept; an evicted unit stops
// being offered. Cache Storage does not run in Node: a Map of Responses stands
// in for it, with a counter of the entries opened.
import { beforeEach, describe, expect, it } from 'vitest'
import type { Manifest } from '../../../src/shared/manifest.js'
import { assetCacheKey, ASSET_CACHE, cacheUrlOf } from '../../../src/shared/cache-keys.js'
import { CacheChunkStore } from '../../../src/engine/cache-store.js'
import { PieceMap } from '../../../src/engine/layout.js'

const SCOPE = 'https://site.test/'
const PL = 16 * 1024
const small = new Uint8Array(20_000).map((_, i) => (i * 7) & 255)
const big = new Uint8Array(70_000).map((_, i) => (i * 13) & 255)
const manifest: Manifest = {
  version: 1, infoHash: 'a'.repeat(40), torrent: 't', pieceLength: PL, trackers: [], pages: {},
  assets: {
    '/s.css': { size: small.length, type: 'text/css', integrity: 'sha256-S', offset: 0 },
    '/v.mp4': { size: big.length, type: 'video/mp4', integrity: 'sha256-V', offset: 2 * PL, blockSize: 32 * 1024, blocks: ['b0', 'b1', 'b2'] }
  }
} as unknown as Manifest

let entries: Map<string, Response>
let opened: number
beforeEach(() => {
  entries = new Map()
  opened = 0
  const cache = {
    keys: async () => [...entries.keys()].map((url) => new Request(url)),
    match: async (url: string) => { const r = entries.get(url); if (r) opened++; return r?.clone() }
  }
  ;(globalThis as unknown as { caches: unknown }).caches = { open: async (name: string) => { expect(name).toBe(ASSET_CACHE); return cache } }
})

const put = (key: string, bytes: Uint8Array): void => { entries.set(cacheUrlOf(SCOPE, key), new Response(bytes.slice())) }
const get = (store: CacheChunkStore, i: number): Promise<Uint8Array> => new Promise((resolve, reject) => store.get(i, null, (err, buf) => err ? reject(err) : resolve(buf!)))

describe('CacheChunkStore', () => {
  it('the startup bitfield comes from the index alone', async () => {
    put('sha256-S', small)
    put('sha256-V?block=0', big.subarray(0, 32 * 1024))
    const map = new PieceMap(manifest, PL)
    const store = new CacheChunkStore(map, SCOPE, () => {})
    await store.load()
    expect(opened).toBe(0)
    const bits = map.bitfield(store.index)
    const held = [...Array(map.numPieces).keys()].filter((i) => bits[i >> 3]! & (128 >> (i % 8)))
    // small: pieces 0-1; big block 0 = pieces 2-3; block 1 (pieces 4-5) and 2 (piece 6) missing.
    expect(held).toEqual([0, 1, 2, 3])
  })

  it('reads pieces from whole entries and blocks, padding with zeros', async () => {
    put('sha256-S', small)
    put('sha256-V?block=0', big.subarray(0, 32 * 1024))
    put('sha256-V?block=1', big.subarray(32 * 1024, 64 * 1024))
    put('sha256-V?block=2', big.subarray(64 * 1024))
    const map = new PieceMap(manifest, PL)
    const store = new CacheChunkStore(map, SCOPE, () => {})
    await store.load()
    expect([...await get(store, 0)]).toEqual([...small.subarray(0, PL)])
    const last = await get(store, 1)
    expect([...last.subarray(0, small.length - PL)]).toEqual([...small.subarray(PL)])
    expect(last.subarray(small.length - PL).every((b) => b === 0)).toBe(true)
    expect([...await get(store, 5)]).toEqual([...big.subarray(3 * PL, 4 * PL)])
    const tail = await get(store, 6)
    expect(tail.length).toBe(big.length - 4 * PL)
    expect([...tail]).toEqual([...big.subarray(4 * PL)])
  })

  it('pieces from peers stay in memory only until their unit is kept', async () => {
    const map = new PieceMap(manifest, PL)
    const store = new CacheChunkStore(map, SCOPE, () => {})
    await store.load()
    await new Promise<void>((resolve) => store.put(0, small.subarray(0, PL), () => resolve()))
    await new Promise<void>((resolve) => store.put(1, new Uint8Array(PL), () => resolve()))
    expect(store.piecesInMemory).toBe(2)
    put('sha256-S', small)
    expect(store.kept(['sha256-S'])).toEqual([0, 1])
    expect(store.piecesInMemory).toBe(0)
    expect([...await get(store, 0)]).toEqual([...small.subarray(0, PL)]) // now from the store
  })

  it('an evicted unit is reported, and a lost entry is noticed on read', async () => {
    put('sha256-S', small)
    put('sha256-V', big)
    const map = new PieceMap(manifest, PL)
    const lost: number[] = []
    const store = new CacheChunkStore(map, SCOPE, (i) => lost.push(i))
    await store.load()
    expect(store.dropped(['sha256-S'])).toEqual([0, 1])
    await expect(get(store, 0)).rejects.toThrow(/not found/)
    entries.delete(assetCacheKey(SCOPE, 'sha256-V')) // wiped behind our back
    await expect(get(store, 2)).rejects.toThrow(/not found/)
    expect(lost).toEqual([2])
  })
})
