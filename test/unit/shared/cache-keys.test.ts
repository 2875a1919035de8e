// Per-scope names of persistent state: two swarmcdn sites on one origin under
// different paths never share a cache, an IndexedDB key or a localStorage key,
// and a root-scope site keeps the names its visitors already have.
import { describe, expect, it, vi } from 'vitest'
import { IDB_KEYS, allIdbKeys, idbKey, scopedName } from '../../../src/shared/cache-keys.js'

describe('scoped names', () => {
  it('the root scope keeps its historical names', () => {
    expect(scopedName('swarmcdn-assets-v1', 'https://site.test/')).toBe('swarmcdn-assets-v1')
    expect(idbKey('stats', 'https://site.test/')).toBe('swarmcdn:sw-stats')
    expect(idbKey('lru', 'https://site.test/')).toBe('swarmcdn:lru')
    expect(allIdbKeys('https://site.test/')).toEqual(Object.values(IDB_KEYS))
  })

  it('sites under different paths get different names, the same for one scope wherever asked', () => {
    const a = allIdbKeys('https://site.test/a/')
    const b = allIdbKeys('https://site.test/b/')
    expect(a).toContain('swarmcdn:sw-stats/a/')
    expect(b).toContain('swarmcdn:storage-budget/b/')
    const all = [...a, ...b, ...allIdbKeys('https://site.test/')]
    expect(new Set(all).size).toBe(all.length)
    // The SW (registration.scope, a URL) and the loader (data-scope, a URL or a path) agree.
    expect(scopedName('swarmcdn:optout', '/a/')).toBe(scopedName('swarmcdn:optout', 'https://site.test/a/'))
    // A nested site is not its parent's.
    expect(idbKey('lru', 'https://site.test/a/b/')).not.toBe(idbKey('lru', 'https://site.test/a/'))
  })

  it('the cache names follow the scope (useScope), root unchanged', async () => {
    vi.resetModules()
    const k = await import('../../../src/shared/cache-keys.js')
    k.useScope('https://site.test/')
    expect([k.ASSET_CACHE, k.META_CACHE]).toEqual(['swarmcdn-assets-v1', 'swarmcdn-meta-v1'])
    k.useScope('https://site.test/docs/')
    expect([k.ASSET_CACHE, k.META_CACHE]).toEqual(['swarmcdn-assets-v1/docs/', 'swarmcdn-meta-v1/docs/'])
  })
})
