import { describe, expect, it } from 'vitest'
import { findPage, pageKey, prefetchPlan } from '../../../src/shared/pages.js'
import type { Manifest } from '../../../src/shared/manifest.js'

function manifest (sizes: Record<string, number>, pages: Manifest['pages']): Manifest {
  let offset = 0
  const assets: Manifest['assets'] = {}
  for (const [p, size] of Object.entries(sizes)) {
    assets[p] = { size, type: 'application/octet-stream', integrity: 'sha256-' + 'A'.repeat(43) + '=', offset }
    offset += size
  }
  return { version: 1, infoHash: '0'.repeat(40), torrent: 'x.torrent', pieceLength: 16384, trackers: ['/announce'], assets, pages }
}

describe('page keys', () => {
  it('index pages are keyed by their folder', () => {
    expect(pageKey('/index.html')).toBe('/')
    expect(pageKey('/docs/index.htm')).toBe('/docs/')
    expect(pageKey('/docs/page.html')).toBe('/docs/page.html')
  })
  it('finds a page from the forms people link to', () => {
    const m = manifest({ '/a': 1 }, { '/': { assets: [], links: [] }, '/docs/': { assets: [], links: [] }, '/x.html': { assets: [], links: [] } })
    expect(findPage(m, '/index.html')).toBe('/')
    expect(findPage(m, '/docs')).toBe('/docs/')
    expect(findPage(m, '/x')).toBe('/x.html')
    expect(findPage(m, '/nope.html')).toBeNull()
  })
})

describe('prefetch plan', () => {
  const m = manifest(
    { '/common.css': 10, '/p1.jpg': 10, '/p2.jpg': 10, '/p2b.jpg': 10, '/p3.jpg': 10, '/p4.jpg': 10, '/shared.png': 10, '/script-only.json': 5, '/big-script-only.bin': 50 },
    {
      '/': { assets: ['/common.css', '/p1.jpg'], links: ['/p2.html'] },
      '/p2.html': { assets: ['/common.css', '/p2.jpg', '/p2b.jpg'], links: ['/p3.html', '/'] },
      '/p3.html': { assets: ['/common.css', '/p3.jpg', '/shared.png'], links: [] },
      '/p4.html': { assets: ['/p4.jpg', '/shared.png'], links: [] }
    }
  )
  it('nearest pages first, then by reference count, then script-only assets by size; never the current page\'s own', () => {
    expect(prefetchPlan(m, '/')).toEqual(['/p2.jpg', '/p2b.jpg', '/p3.jpg', '/shared.png', '/p4.jpg', '/script-only.json', '/big-script-only.bin'])
  })
  it('nothing for an unknown page or a page that links nowhere', () => {
    expect(prefetchPlan(m, null)).toEqual([])
    expect(prefetchPlan(m, '/p3.html')).toEqual([])
  })
})

describe('a site under a base (publish --base /docs/)', () => {
  const m = manifest(
    { '/docs/css/site.css': 10, '/docs/img/guide.png': 20, '/docs/img/api.png': 30 },
    {
      '/docs/': { assets: ['/docs/css/site.css'], links: ['/docs/guide.html'] },
      '/docs/guide.html': { assets: ['/docs/css/site.css', '/docs/img/guide.png'], links: ['/docs/', '/docs/api/'] },
      '/docs/api/': { assets: ['/docs/img/api.png'], links: [] }
    }
  )
  it('finds its pages from the locations a visitor is at', () => {
    expect(findPage(m, '/docs/')).toBe('/docs/')
    expect(findPage(m, '/docs')).toBe('/docs/')
    expect(findPage(m, '/docs/index.html')).toBe('/docs/')
    expect(findPage(m, '/docs/guide')).toBe('/docs/guide.html')
    expect(findPage(m, '/docs/api/index.html')).toBe('/docs/api/')
    // Another site on the origin, or the origin's root, is not one of its pages.
    expect(findPage(m, '/blog/')).toBeNull()
    expect(findPage(m, '/')).toBeNull()
  })
  it('plans the linked pages\' assets from its index, nearest first', () => {
    expect(prefetchPlan(m, findPage(m, '/docs/'))).toEqual(['/docs/img/guide.png', '/docs/img/api.png'])
  })
})
