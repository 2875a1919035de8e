// The seeder's origin client: poll interval from Cache-Control, the site's base URL,
// and the tree check against a manifest.
import { describe, it, expect } from 'vitest'
import { createHash } from 'node:crypto'
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pollInterval, siteBase, DEFAULT_POLL_MS, MIN_POLL_MS, MAX_POLL_MS, OriginError } from '../../../src/seed/origin.js'
import { checkTree, assetFile } from '../../../src/seed/tree.js'
import type { Manifest } from '../../../src/shared/manifest.js'

describe('pollInterval', () => {
  it('honours max-age within bounds; no-cache asks at the minimum', () => {
    expect(pollInterval(null)).toBe(DEFAULT_POLL_MS)
    expect(pollInterval('public, max-age=60')).toBe(60_000)
    expect(pollInterval('max-age=0, must-revalidate')).toBe(MIN_POLL_MS)
    expect(pollInterval('no-cache')).toBe(MIN_POLL_MS)
    expect(pollInterval('max-age=86400')).toBe(MAX_POLL_MS)
    expect(pollInterval('private')).toBe(DEFAULT_POLL_MS)
  })
})

describe('siteBase', () => {
  it('takes a folder or the manifest URL; refuses what is not http(s)', () => {
    expect(siteBase('http://h:1').href).toBe('http://h:1/')
    expect(siteBase('https://h/site').href).toBe('https://h/site/')
    expect(siteBase('https://h/site/swarmcdn.json?x=1').href).toBe('https://h/site/')
    expect(() => siteBase('ftp://h/')).toThrow(OriginError)
    expect(() => siteBase('not a url')).toThrow(/is not a URL/)
  })
})

describe('checkTree', () => {
  it('reports missing, resized and changed assets, and never leaves the tree', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'swarmcdn-seed-'))
    try {
      await mkdir(join(dir, 'img'))
      const a = Buffer.from('hello')
      await writeFile(join(dir, 'img', 'a b.txt'), a)
      await writeFile(join(dir, 'c.txt'), 'cccc')
      await writeFile(join(dir, 'd.txt'), 'dddd')
      const sri = (b: Buffer | string): string => `sha256-${createHash('sha256').update(b).digest('base64')}`
      const m = {
        assets: {
          '/img/a%20b.txt': { size: 5, type: 'text/plain', integrity: sri(a), offset: 0 },
          '/c.txt': { size: 5, type: 'text/plain', integrity: sri('ccccc'), offset: 16384 },
          '/d.txt': { size: 4, type: 'text/plain', integrity: sri('DDDD'), offset: 32768 },
          '/gone.txt': { size: 1, type: 'text/plain', integrity: sri('x'), offset: 49152 }
        }
      } as unknown as Manifest
      const out = await checkTree(dir, m)
      expect(out.map((x) => [x.path, x.problem])).toEqual([['/c.txt', 'size'], ['/d.txt', 'hash'], ['/gone.txt', 'missing']])
      expect(() => assetFile(dir, '/../etc/passwd')).toThrow(/outside the tree/)
      expect(() => assetFile(dir, '/%2e%2e/x')).toThrow(/outside the tree/)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})
