import { afterAll, describe, expect, it } from 'vitest'
import { publish } from '../../../src/cli/publish.js'
import { unaddressableReason, urlPathOf } from '../../../src/cli/url-path.js'
import { cleanupTemp, makeTree } from './helpers.js'

afterAll(cleanupTemp)

// What a browser requests for a file called `rel`: its URL, written with `%`
// escaped (a server percent-decodes the path, so a literal `%` must be `%25`).
const browserPath = (rel: string): string => new URL('/' + rel.replaceAll('%', '%25'), 'http://x').pathname

const TRICKY: Record<string, string> = {
  'a b.js': '/a%20b.js',
  'é.css': '/%C3%A9.css',
  '日本/語.txt': '/%E6%97%A5%E6%9C%AC/%E8%AA%9E.txt',
  '100%.txt': '/100%25.txt',
  'a%41.txt': '/a%2541.txt',
  'a+b.js': '/a+b.js',
  'x&y=z;w.js': '/x&y=z;w.js',
  "it's (1)!.png": "/it's%20(1)!.png",
  '~user/-._~!$&\'()*+,;=:@.bin': "/~user/-._~!$&'()*+,;=:@.bin",
  'quote"<lt>`{}.txt': '/quote%22%3Clt%3E%60%7B%7D.txt'
}

describe('manifest keys are the URL paths a browser sends', () => {
  it('percent-encodes exactly what the WHATWG URL parser does (plus % itself)', () => {
    for (const [rel, expected] of Object.entries(TRICKY)) {
      const key = urlPathOf(rel.split('/'))
      expect(key, rel).toBe(expected)
      expect(key, rel).toBe(browserPath(rel))
      // A server decoding the request path finds the file again.
      expect(key.slice(1).split('/').map(decodeURIComponent).join('/'), rel).toBe(rel)
    }
  })

  it('publishes tricky names under those keys', async () => {
    const dir = makeTree(Object.fromEntries(Object.keys(TRICKY).map((rel) => [rel, `content of ${rel}`])))
    const { manifest } = await publish({ dir, copyRuntime: false })
    expect(Object.keys(manifest.assets).sort()).toEqual(Object.values(TRICKY).sort())
  })

  it('names what makes a path unaddressable', () => {
    expect(unaddressableReason(['ok', 'fine.js'])).toBeNull()
    expect(unaddressableReason(['a\\b'])).toMatch(/backslash/)
    expect(unaddressableReason(['a?b'])).toMatch(/\?/)
    expect(unaddressableReason(['a#b'])).toMatch(/#/)
    expect(unaddressableReason(['a\nb'])).toMatch(/control/)
    expect(unaddressableReason(['a\tb'])).toMatch(/control/)
    expect(unaddressableReason(['..'])).toMatch(/\.\./)
    expect(unaddressableReason(['.'])).toMatch(/"\."/)
  })
})
