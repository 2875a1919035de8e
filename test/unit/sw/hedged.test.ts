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

  it('without a peer, the origin is asked a window at a time, only as the page reads', async () => {
    stubOrigin(1)
    const h = new HedgedUnits('https://site.test/a', asset, 0, N - 1, null, keep)
    h.start()
    await new Promise((resolve) => setTimeout(resolve, 120))
    expect(ranges).toEqual([]) // nobody read yet
    await h.unit(0)
    expect(ranges).toEqual([`0-${4 * UNIT - 1}`])
    for (let u = 1; u < 4; u++) await h.unit(u)
    expect(ranges.length).toBe(1)
    await h.unit(4)
    expect(ranges).toEqual([`0-${4 * UNIT - 1}`, `${4 * UNIT}-${N * UNIT - 1}`])
    h.cancel()
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
