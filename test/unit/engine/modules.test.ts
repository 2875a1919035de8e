// The engine's small modules on their own: upload policy, who holds what,
// serving the SW's requests over the typed RPC, status. WebTorrent's torrent
// and wires are stood in for by EventEmitters with the fields these modules read.
import { EventEmitter } from 'node:events'
import { MessageChannel } from 'node:worker_threads'
import { describe, expect, it } from 'vitest'
import type { Torrent, TorrentFile, Wire } from 'webtorrent/dist/webtorrent.min.js'
import type { Manifest } from '../../../src/shared/manifest.js'
import type { EngineMethods, EngineNotes, GetAnswer, SwMethods, SwNotes } from '../../../src/shared/protocol.js'
import { RpcPeer } from '../../../src/shared/rpc.js'
import ProtocolWire from 'bittorrent-protocol'
import { uploadPolicy } from '../../../src/engine/upload-policy.js'
import { Holders } from '../../../src/engine/holders.js'
import { createServer } from '../../../src/engine/serve.js'
import { statusOf } from '../../../src/engine/status.js'
import type { Bans } from '../../../src/engine/bans.js'

const bits = (held: number[]): { get: (i: number) => boolean, set: () => void } => ({ get: (i) => held.includes(i), set: () => {} })

function fakeWire (pieces: number[]): Wire & EventEmitter & { choked: boolean } {
  const w = Object.assign(new EventEmitter(), { peerPieces: bits(pieces), destroyed: false, choked: false, peerId: 'p', type: 'webrtc', uploaded: 0, downloaded: 0 })
  Object.assign(w, { choke: () => { w.choked = true }, unchoke: () => { w.choked = false }, destroy: () => {}, have: () => {}, piece: () => {}, reject: () => {}, hasFast: false })
  return w as unknown as Wire & EventEmitter & { choked: boolean }
}

function fakeTorrent (held: number[] = []): Torrent & EventEmitter {
  return Object.assign(new EventEmitter(), { infoHash: 'a'.repeat(40), pieceLength: 4, wires: [] as Wire[], bitfield: bits(held), uploaded: 0, downloaded: 0, received: 0, uploadSpeed: 0, downloadSpeed: 0 }) as unknown as Torrent & EventEmitter
}

describe('uploadPolicy', () => {
  // Real bittorrent-protocol wires, piped to each other: the budget must hold
  // for pieces handed to the wire, however much is still queued in its pipe.
  type Real = EventEmitter & {
    pipe: (to: Real) => Real
    handshake: (infoHash: string, peerId: string, ext: unknown) => void
    unchoke: () => void
    uploaded: number
    request: (index: number, offset: number, length: number, cb: (err: Error | null) => void) => void
  }
  async function wirePair (): Promise<{ seeder: Wire, leecher: Real }> {
    const seeder = new ProtocolWire() as Real
    const leecher = new ProtocolWire() as Real
    seeder.pipe(leecher).pipe(seeder)
    const id = 'a'.repeat(40)
    leecher.handshake(id, 'b'.repeat(40), { dht: false })
    await new Promise<void>((resolve) => seeder.once('handshake', () => { seeder.handshake(id, 'c'.repeat(40), { dht: false }); resolve() }))
    seeder.on('request', (_i: number, _o: number, length: number, respond: (e: Error | null, b: Uint8Array) => void) => { queueMicrotask(() => respond(null, new Uint8Array(length))) })
    seeder.unchoke()
    await new Promise((resolve) => leecher.once('unchoke', resolve))
    return { seeder: seeder as unknown as Wire, leecher }
  }

  it('never hands a wire more piece bytes than the budget, and chokes every wire for good', async () => {
    const t = fakeTorrent()
    const { seeder, leecher } = await wirePair()
    t.wires.push(seeder)
    const policy = uploadPolicy(t, 100)
    const got: number[] = []
    // Ten 30-byte requests at once: only three fit in 100 bytes.
    await Promise.all(Array.from({ length: 10 }, (_, i) => new Promise<void>((resolve) => {
      leecher.request(i, 0, 30, (err: Error | null) => { if (!err) got.push(i); resolve() })
    })))
    expect(got.length).toBe(3)
    expect(seeder.uploaded).toBeLessThanOrEqual(100)
    expect(policy.blocked).toBe(true)
    seeder.unchoke()
    expect((seeder as unknown as { amChoking: boolean }).amChoking).toBe(true)
    const late = fakeWire([])
    t.emit('wire', late)
    expect(late.choked).toBe(true)
  })

  it('past the budget, withdraws every piece it had advertised (BEP 54) and advertises none to new wires', () => {
    const t = fakeTorrent([0, 2])
    Object.assign(t, { pieces: [null, {}, null] })
    const told: number[] = []
    const w = fakeWire([])
    Object.assign(w, { lt_donthave: { donthave: (i: number) => told.push(i) } })
    t.wires.push(w)
    const policy = uploadPolicy(t, 10)
    w.piece(0, 0, new Uint8Array(20))
    expect(policy.blocked).toBe(true)
    expect(told).toEqual([0, 2])
    const sent: Uint8Array[] = []
    const late = fakeWire([])
    let all = false
    Object.assign(late, { bitfield: (bf: Uint8Array) => sent.push(bf), haveNone: () => {}, haveAll: () => { all = true } })
    t.emit('wire', late)
    ;(late as unknown as { bitfield: (bf: Uint8Array) => void }).bitfield(new Uint8Array([0xff]))
    expect([...sent[0]!]).toEqual([0])
    ;(late as unknown as { haveAll: () => void }).haveAll()
    expect(all).toBe(false)
  })

  it('an unlimited budget blocks nothing', async () => {
    const t = fakeTorrent()
    const { seeder, leecher } = await wirePair()
    t.wires.push(seeder)
    const policy = uploadPolicy(t, Infinity)
    await new Promise<void>((resolve, reject) => leecher.request(0, 0, 1000, (err: Error | null) => { if (err) reject(err); else resolve() }))
    expect(seeder.uploaded).toBe(1000)
    expect(policy.blocked).toBe(false)
  })
})

describe('Holders', () => {
  it('holds what the tab or a connected wire holds, and waits briefly for a fresh wire', async () => {
    const t = fakeTorrent([0])
    const h = new Holders(t)
    expect(h.hold(0, 0)).toBe(true)
    expect(h.hold(0, 1)).toBe(false)
    const w = fakeWire([])
    t.wires.push(w)
    t.emit('wire', w)
    setTimeout(() => { (w as unknown as { peerPieces: unknown }).peerPieces = bits([1]); w.emit('bitfield') }, 50)
    expect(await h.wait(0, 1)).toBe(true)
    expect(await h.wait(0, 2)).toBe(false) // the wire spoke: no more waiting
  })

  it('a wire that chokes this visitor after unchoking it is no holder until it unchokes again', () => {
    const t = fakeTorrent([])
    const h = new Holders(t)
    const w = fakeWire([0])
    t.wires.push(w)
    t.emit('wire', w)
    w.emit('choke') // the initial state: it only waits for our interest
    expect(h.hold(0, 0)).toBe(true)
    w.emit('unchoke')
    w.emit('choke') // its budget is spent, or its slots went elsewhere
    expect(h.hold(0, 0)).toBe(false)
    w.emit('unchoke')
    expect(h.hold(0, 0)).toBe(true)
  })
})

describe('createServer', () => {
  const manifest = { infoHash: 'a'.repeat(40), assets: { '/a': { size: 8, type: 'x', integrity: 'sha256-a', offset: 0 } } } as unknown as Manifest
  const bytes = new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8])
  const file = {
    path: 'a', name: 'a', length: 8, offset: 0,
    [Symbol.asyncIterator]: ({ start, end }: { start: number, end: number }) => {
      let pos = start
      return { next: async () => pos > end ? { done: true, value: undefined } : { done: false, value: bytes.slice(pos, (pos = Math.min(end + 1, pos + 4))) }, return: async () => ({ done: true, value: undefined }) }
    }
  } as unknown as TorrentFile

  function link (held: number[]): RpcPeer<SwMethods, EngineMethods, EngineNotes, SwNotes> {
    const ch = new MessageChannel()
    const engine = new RpcPeer<EngineMethods, SwMethods, SwNotes, EngineNotes>(ch.port1 as never)
    const t = fakeTorrent(held)
    createServer({ torrent: t, manifest, files: new Map([['/a', file]]), holders: new Holders(t) }).install(engine)
    return new RpcPeer<SwMethods, EngineMethods, EngineNotes, SwNotes>(ch.port2 as never)
  }

  async function read (sw: RpcPeer<SwMethods, EngineMethods, EngineNotes, SwNotes>, a: GetAnswer, req: number): Promise<number[]> {
    if (a.kind === 'stream') {
      const out: number[] = []
      for await (const c of a.stream as unknown as AsyncIterable<Uint8Array>) out.push(...c)
      return out
    }
    expect(a.kind).toBe('chunked')
    const out: number[] = []
    await new Promise<void>((resolve) => {
      sw.on('chunk', (n) => { if (n.req === req) out.push(...new Uint8Array(n.data)) })
      sw.on('end', () => resolve())
    })
    return out
  }

  it('answers yes with exactly the asked bytes, or no with a reason', async () => {
    const sw = link([0, 1])
    const a = await sw.call('get', { req: 1, path: '/a', start: 2, end: 7, infoHash: manifest.infoHash }, { timeoutMs: 1000 })
    expect(await read(sw, a, 1)).toEqual([3, 4, 5, 6, 7])
    expect(await sw.call('get', { req: 2, path: '/a', start: 0, end: 8, infoHash: 'b'.repeat(40) }, { timeoutMs: 1000 })).toEqual({ kind: 'no', reason: 'release-mismatch' })
    expect(await sw.call('get', { req: 3, path: '/nope', start: 0, end: 8, infoHash: manifest.infoHash }, { timeoutMs: 1000 })).toEqual({ kind: 'no', reason: 'no-peer-has-it' })
    expect(await link([0]).call('get', { req: 4, path: '/a', start: 0, end: 8, infoHash: manifest.infoHash }, { timeoutMs: 1000 })).toEqual({ kind: 'no', reason: 'no-peer-has-it' })
    expect(await sw.call('ping', {}, { timeoutMs: 1000 })).toHaveProperty('at')
  })
})

describe('statusOf', () => {
  it('counts held pieces, live peers, and reports the patches', () => {
    const t = fakeTorrent([0, 2])
    const dead = fakeWire([])
    ;(dead as unknown as { destroyed: boolean }).destroyed = true
    t.wires.push(fakeWire([]), dead)
    const s = statusOf({
      torrent: t, numPieces: 3, bans: { banned: new Set(['x']), wastedBytes: 5 } as unknown as Bans, patches: { 'wire-batching': true },
      prefetch: () => ({ planned: 0, done: 0, bytes: 0, finishedAt: null }), piecesInMemory: () => 1, startedAt: 1, readyAt: 2, firstPeerAt: () => null, running: () => true
    })
    expect(s).toMatchObject({ piecesHeld: 2, piecesTotal: 3, peers: 1, banned: 1, bytesWasted: 5, patches: { 'wire-batching': true }, piecesInMemory: 1 })
  })
})
