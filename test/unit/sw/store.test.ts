// The verified store's budget: least-recently-used entries go first, the
// engine hears what went, a quota error evicts and retries, and an entry
// larger than the budget is refused without touching the rest. Cache Storage
// and the SW global do not exist in Node: a Map of Responses with a quota
// stands in for one, a scope for the other.
import { beforeAll, beforeEach, describe, expect, it, vi } from 'vitest'

const SCOPE = 'https://site.test/'
let entries: Map<string, Response>
let quota = Infinity

beforeAll(() => {
  const g = globalThis as Record<string, unknown>
  g.self = { registration: { scope: SCOPE }, location: new URL('swarmcdn-sw.js', SCOPE) }
  const sizeOf = (): number => [...entries.values()].reduce((n, r) => n + Number(r.headers.get('Content-Length')), 0)
  const cache = {
    keys: async () => [...entries.keys()].map((u) => new Request(u)),
    match: async (u: string) => entries.get(u)?.clone(),
    delete: async (u: string) => entries.delete(u),
    put: async (u: string, r: Response) => {
      if (sizeOf() + Number(r.headers.get('Content-Length')) > quota) throw new DOMException('full', 'QuotaExceededError')
      entries.set(u, r)
    }
  }
  g.caches = { open: async () => cache, keys: async () => [], delete: async () => true }
})

beforeEach(() => { entries = new Map(); quota = Infinity; vi.resetModules() })

async function load (budget: number): Promise<typeof import('../../../sw/store.js')> {
  const b = await import('../../../sw/budget.js')
  await b.setConfiguredBudget(budget)
  return import('../../../sw/store.js')
}

const bytes = (n: number): Uint8Array<ArrayBuffer> => new Uint8Array(n)

describe('verified store budget', () => {
  it('evicts the least recently used entries to fit, and reports them', async () => {
    const store = await load(100)
    const dropped: string[] = []
    store.setDropListener((keys) => dropped.push(...keys))
    expect(await store.put('sha256-a', bytes(40), 'x')).toBe(true)
    await new Promise((r) => setTimeout(r, 5))
    expect(await store.put('sha256-b', bytes(40), 'x')).toBe(true)
    await new Promise((r) => setTimeout(r, 5))
    expect(await store.read('sha256-a', 40)).not.toBeNull() // a is now more recent than b
    expect(await store.put('sha256-c', bytes(40), 'x')).toBe(true)
    expect(dropped).toEqual(['sha256-b'])
    expect(await store.has('sha256-a')).toBe(true)
    expect(await store.usedBytes()).toBe(80)
  })

  it('never evicts what the caller protects, and refuses what cannot fit', async () => {
    const store = await load(100)
    await store.put('sha256-v?block=0', bytes(60), 'x')
    expect(await store.put('sha256-v?block=1', bytes(60), 'x', (k) => k.startsWith('sha256-v'))).toBe(true)
    // Protected, so over the budget rather than evicting a block of the same asset being assembled…
    expect(await store.has('sha256-v?block=0')).toBe(true)
    // …and an entry larger than the whole budget is refused outright.
    expect(await store.put('sha256-huge', bytes(101), 'x')).toBe(false)
    expect(await store.has('sha256-v?block=1')).toBe(true)
  })

  it('a quota error evicts and retries instead of failing the write', async () => {
    const store = await load(1000)
    quota = 100
    await store.put('sha256-a', bytes(50), 'x')
    await store.put('sha256-b', bytes(40), 'x')
    expect(await store.put('sha256-c', bytes(50), 'x')).toBe(true)
    expect(await store.has('sha256-c')).toBe(true)
    expect(await store.has('sha256-a')).toBe(false)
  })
})
