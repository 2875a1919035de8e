// One delivery filled by peers and the origin at once: a slow peer is
// hedged from the back by bounded, block-aligned Ranges; a failing peer is
// replaced; without a peer the origin is asked only as the page reads. The
// origin is a stubbed fetch that answers Range requests and counts them.
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import type { ManifestAsset } from '../../../src/shared/manifest.js'
import type { ByteSource } from '../../../src/shared/protocol.js'

vi.stubGlobal('self', { location: { href: 'https://site.test/swarmcdn-sw.js' }, registration: { scope: 'https://site.test/' } })
const { HedgedUnits } = await import('../../../sw/sources/hedged.js')
const { ExactReader } = await import('../../../sw/exact-reader.js')
const rates = await import('../../../sw/rates.js')

const UNIT = 16 * 1024
const N = 8
const data = new Uint8Array(UNIT * N).map((_, i) => (i * 7 + 3) & 0xff)
const asset = { size: data.length, type: 'application/octet-stream', integrity: 'sha256-x', offset: 0, blockSize: UNIT, blocks: Array.from({ length: N }, (_, i) => String(i)) } as unknown as ManifestAsset
const unitOf = (u: number): Uint8Array => data.subarray(u * UNIT, (u + 1) * UNIT)
const same = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && a.every((x, i) => x === b[i])

let ranges: string[] = []
/** The origin: answers each Range after `delayMs`. */
function stubOrigin (delayMs: number): void {
  ranges = []
  vi.stubGlobal('fetch', async (_url: string, init: { headers: Record<string, string>, signal?: AbortSignal }) => {
    const m = /bytes=(\d+)-(\d+)/.exec(init.headers.Range!)!
    ranges.push(`${m[1]}-${m[2]}`)
    await new Promise((resolve) => setTimeout(resolve, delayMs))
    return new Response(data.slice(Number(m[1]), Number(m[2]) + 1), { status: 206 })
  })
}

/** A peer that sends units 0..last, one every `perUnitMs`, optionally corrupting unit `bad`. */
function peer (last: number, perUnitMs: number, bad = -1): { stream: { reader: InstanceType<typeof ExactReader>, cancel: () => void, askedAt: number, last: number }, cancelled: () => boolean } {
  let cancelled = false
  let u = 0
  const body = new ReadableStream<Uint8Array>({
    pull: async (c) => {
      if (u > last || cancelled) { c.close(); return }
      await new Promise((resolve) => setTimeout(resolve, perUnitMs))
      const bytes = unitOf(u).slice()
      if (u === bad) bytes[0] ^= 0xff
      u++
      c.enqueue(bytes)
    }
  }, { highWaterMark: 0 })
  return { stream: { reader: new ExactReader(body.getReader()), cancel: () => { cancelled = true }, askedAt: Date.now(), last }, cancelled: () => cancelled }
}

const keep = async (u: number, bytes: Uint8Array, _from: ByteSource): Promise<boolean> => same(bytes, unitOf(u))

async function readAll (h: InstanceType<typeof HedgedUnits>): Promise<ByteSource[]> {
  const from: ByteSource[] = []
  for (let u = 0; u < N; u++) {
    const g = await h.unit(u)
    expect(same(g.bytes, unitOf(u)), `unit ${u}`).toBe(true)
    from.push(g.from)
  }
  return from
}

describe('HedgedUnits', () => {
  beforeAll(async () => {
    // The origin measured: 10 ms to its first byte, about 1 MB/s.
    const t = rates.origin.begin(200_000)
    for (let i = 0; i < 4; i++) { await new Promise((resolve) => setTimeout(resolve, 25)); t.received(50_000) }
    t.end()
    rates.origin.latency(10)
    expect(rates.origin.measured()).toBe(true)
  })
  afterEach(() => { vi.unstubAllGlobals(); vi.stubGlobal('self', { location: { href: 'https://site.test/swarmcdn-sw.js' }, registration: { scope: 'https://site.test/' } }) })

  it('a peer far behind the origin: the origin takes units from the back, the peer keeps the front, every unit verified', async () => {
    stubOrigin(5)
    const p = peer(N - 1, 120)
    const h = new HedgedUnits('https://site.test/a', asset, 0, N - 1, p.stream, keep)
    h.start()
    const from = await readAll(h)
    h.cancel()
    expect(from[0]).toBe('peer')
    expect(from[N - 1]).toBe('origin')
    // Bounded and block-aligned: every Range starts and ends on a unit boundary.
    for (const r of ranges) {
      const [a, b] = r.split('-').map(Number) as [number, number]
      expect(a % UNIT).toBe(0)
      expect((b + 1) % UNIT).toBe(0)
    }
    expect(p.cancelled()).toBe(true) // once the rest was the origin's, the peer stopped
  })

  it('a peer whose unit fails verification: the origin fills the rest', async () => {
    stubOrigin(5)
    const p = peer(N - 1, 1, 2)
    const h = new HedgedUnits('https://site.test/a', asset, 0, N - 1, p.stream, keep)
    h.start()
    const from = await readAll(h)
    h.cancel()
    expect(from.slice(0, 2)).toEqual(['peer', 'peer'])
    expect(from[2]).toBe('origin')
  })

  it('units the peers were not asked for come from the origin at once', async () => {
    stubOrigin(5)
    const p = peer(1, 1)
    const h = new HedgedUnits('https://site.test/a', asset, 0, N - 1, p.stream, keep)
    h.start()
    const from = await readAll(h)
    h.cancel()
    expect(from.slice(0, 2)).toEqual(['peer', 'peer'])
    expect(from.slice(2).every((s) => s === 'origin')).toBe(true)
    expect(ranges[0]).toBe(`${2 * UNIT}-${N * UNIT - 1}`)
  })

  it('without a peer, the origin is asked only once the page reads, two windows at most ahead of it', async () => {
    const M = 40
    const big = { ...asset, size: UNIT * M, blocks: Array.from({ length: M }, (_, i) => String(i)) } as unknown as ManifestAsset
    ranges = []
    vi.stubGlobal('fetch', async (_url: string, init: { headers: Record<string, string> }) => {
      const m = /bytes=(\d+)-(\d+)/.exec(init.headers.Range!)!
      ranges.push(`${m[1]}-${m[2]}`)
      await new Promise((resolve) => setTimeout(resolve, 1))
      return new Response(new Uint8Array(Number(m[2]) + 1 - Number(m[1])), { status: 206 })
    })
    const h = new HedgedUnits('https://site.test/a', big, 0, M - 1, null, async () => true)
    h.start()
    await new Promise((resolve) => setTimeout(resolve, 120))
    expect(ranges).toEqual([]) // nobody read yet
    await h.unit(0)
    // The next window is asked for while the page reads the first (8 units each).
    expect(ranges).toEqual([`0-${8 * UNIT - 1}`, `${8 * UNIT}-${16 * UNIT - 1}`])
    await new Promise((resolve) => setTimeout(resolve, 120))
    expect(ranges.length).toBe(2) // the page still reads unit 0: nothing more
    for (let u = 1; u < M; u++) {
      await h.unit(u)
      // Never more than 16 units past the unit the page reads.
      for (const r of ranges) expect(Number(r.split('-')[0]) / UNIT).toBeLessThan(u + 16)
    }
    expect(ranges.length).toBe(M / 8)
    h.cancel()
  })

  it('a long answer whose peer the origin overtook: the peer stops instead of streaming units the page already has', async () => {
    // 40 units, more than the SW reads ahead (16): the origin's windows can
    // only start right after the peer's unit, so the page reads past it.
    const M = 40
    const long = new Uint8Array(UNIT * M).map((_, i) => (i * 13 + 5) & 0xff)
    const longAsset = { ...asset, size: long.length, blocks: Array.from({ length: M }, (_, i) => String(i)) } as unknown as ManifestAsset
    const longUnit = (u: number): Uint8Array => long.subarray(u * UNIT, (u + 1) * UNIT)
    vi.stubGlobal('fetch', async (_url: string, init: { headers: Record<string, string> }) => {
      const m = /bytes=(\d+)-(\d+)/.exec(init.headers.Range!)!
      await new Promise((resolve) => setTimeout(resolve, 5))
      return new Response(long.slice(Number(m[1]), Number(m[2]) + 1), { status: 206 })
    })
    let sent = 0
    let cancelled = false
    const body = new ReadableStream<Uint8Array>({
      pull: async (c) => {
        if (sent >= M || cancelled) { c.close(); return }
        await new Promise((resolve) => setTimeout(resolve, 40))
        c.enqueue(longUnit(sent++).slice())
      }
    }, { highWaterMark: 0 })
    const stream = { reader: new ExactReader(body.getReader()), cancel: () => { cancelled = true }, askedAt: Date.now(), last: M - 1 }
    const h = new HedgedUnits('https://site.test/long', longAsset, 0, M - 1, stream, async (u, bytes) => same(bytes, longUnit(u)))
    h.start()
    for (let u = 0; u < M; u++) expect(same((await h.unit(u)).bytes, longUnit(u)), `unit ${u}`).toBe(true)
    h.cancel()
    expect(cancelled).toBe(true)
    // Before: it streamed all 40 units, most of them ones the origin had delivered.
    expect(sent).toBeLessThan(M / 2)
  })

  it('a cancel stops every source and fails what the page waits for', async () => {
    stubOrigin(50)
    const p = peer(N - 1, 500)
    const h = new HedgedUnits('https://site.test/a', asset, 0, N - 1, p.stream, keep)
    h.start()
    const waiting = h.unit(0)
    h.cancel()
    await expect(waiting).rejects.toThrow('cancelled')
    expect(p.cancelled()).toBe(true)
  })
})
