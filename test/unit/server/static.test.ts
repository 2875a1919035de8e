// The static origin against a real server on 127.0.0.1, port 0. Every
// conditional case (304, 412, If-Range) is in conditional.test.ts.
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { symlink } from 'node:fs/promises'
import { join } from 'node:path'
import { startServer, type RunningServer } from '../../../src/server/index.js'
import { makeSite, request, bytes, type Site } from './helpers.js'

let site: Site
let srv: RunningServer
const SIZE = 10_000
const data = bytes(SIZE, 7)

beforeAll(async () => {
  site = await makeSite({
    '/data.bin': data,
    '/index.html': '<!doctype html><h1>home</h1>',
    '/docs/index.html': '<h1>docs</h1>',
    '/style.css': 'body{}',
    '/app.js': 'console.log(1)',
    '/img.png': bytes(100),
    '/font.woff2': bytes(100),
    '/clip.mp4': bytes(100),
    '/swarmcdn-sw.js': 'self.x=1',
    '/empty.txt': '',
    '/.env': 'SECRET=1',
    '/a b.txt': 'space',
    '/100%.txt': 'percent',
    '/a#b?.txt': 'hash'
  })
  await symlink(join(site.base, 'secret.txt'), join(site.dir, 'escape.txt'))
  srv = await startServer({ dir: site.dir, port: 0, quiet: true })
})
afterAll(async () => {
  await srv.close()
  await site.cleanup()
})

describe('full responses', () => {
  it('serves a file with length, strong ETag, Last-Modified, Accept-Ranges and CORS', async () => {
    const r = await request(srv.port, '/data.bin')
    expect(r.status).toBe(200)
    expect(r.body.equals(data)).toBe(true)
    expect(r.headers['content-length']).toBe(String(SIZE))
    expect(r.headers.etag).toMatch(/^"[^"]+"$/)
    expect(Date.parse(r.headers['last-modified']!)).not.toBeNaN()
    expect(r.headers['accept-ranges']).toBe('bytes')
    expect(r.headers['access-control-allow-origin']).toBe('*')
    expect(r.headers['access-control-expose-headers']).toContain('Content-Range')
    expect(r.headers['access-control-expose-headers']).toContain('X-SwarmCDN-Source')
    expect(r.headers['cache-control']).toBe('public, max-age=0, must-revalidate')
  })

  it('maps / and /dir/ to index.html, redirects /dir, never lists directories', async () => {
    const root = await request(srv.port, '/')
    expect(root.status).toBe(200)
    expect(root.body.toString()).toContain('home')
    const docs = await request(srv.port, '/docs/')
    expect(docs.body.toString()).toContain('docs')
    const bare = await request(srv.port, '/docs')
    expect(bare.status).toBe(301)
    expect(bare.headers.location).toBe('/docs/')
    // A protocol-relative Location would be an open redirect.
    const sneaky = await request(srv.port, '//docs')
    expect(sneaky.headers.location).toBe('/docs/')
  })

  it('decodes percent-encoded names', async () => {
    const r = await request(srv.port, '/a%20b.txt')
    expect(r.status).toBe(200)
    expect(r.body.toString()).toBe('space')
    // The file's path reaches send URL-encoded and is decoded once: `%`, `#`, `?` survive.
    expect((await request(srv.port, '/100%25.txt')).body.toString()).toBe('percent')
    expect((await request(srv.port, '/a%23b%3F.txt')).body.toString()).toBe('hash')
  })

  it('labels types, with charset for text, JS and JSON', async () => {
    const type = async (p: string): Promise<string | undefined> => (await request(srv.port, p, { method: 'HEAD' })).headers['content-type']
    expect(await type('/style.css')).toBe('text/css; charset=utf-8')
    expect(await type('/app.js')).toBe('text/javascript; charset=utf-8')
    expect(await type('/img.png')).toBe('image/png')
    expect(await type('/font.woff2')).toBe('font/woff2')
    expect(await type('/clip.mp4')).toBe('video/mp4')
    expect(await type('/index.html')).toBe('text/html; charset=utf-8')
  })

  it('makes the service worker and HTML revalidate on every use', async () => {
    expect((await request(srv.port, '/swarmcdn-sw.js')).headers['cache-control']).toBe('no-cache')
    expect((await request(srv.port, '/index.html')).headers['cache-control']).toBe('no-cache')
  })

  it('answers HEAD with headers only', async () => {
    const r = await request(srv.port, '/data.bin', { method: 'HEAD' })
    expect(r.status).toBe(200)
    expect(r.headers['content-length']).toBe(String(SIZE))
    expect(r.body.length).toBe(0)
  })

  it('serves an empty file', async () => {
    const r = await request(srv.port, '/empty.txt')
    expect(r.status).toBe(200)
    expect(r.headers['content-length']).toBe('0')
  })

  it('404s missing files and dot-files', async () => {
    expect((await request(srv.port, '/nope.js')).status).toBe(404)
    expect((await request(srv.port, '/.env')).status).toBe(404)
    expect((await request(srv.port, '/data.bin/x')).status).toBe(404)
  })
})

describe('Range', () => {
  const range = (h: string, extra: Record<string, string> = {}): ReturnType<typeof request> =>
    request(srv.port, '/data.bin', { headers: { Range: h, ...extra } })

  it('bytes=0-0 → the first byte', async () => {
    const r = await range('bytes=0-0')
    expect(r.status).toBe(206)
    expect(r.headers['content-range']).toBe(`bytes 0-0/${SIZE}`)
    expect(r.headers['content-length']).toBe('1')
    expect(r.body.equals(data.subarray(0, 1))).toBe(true)
  })

  it('bytes=-1 → the last byte', async () => {
    const r = await range('bytes=-1')
    expect(r.status).toBe(206)
    expect(r.headers['content-range']).toBe(`bytes ${SIZE - 1}-${SIZE - 1}/${SIZE}`)
    expect(r.body.equals(data.subarray(SIZE - 1))).toBe(true)
  })

  it('bytes=5- → from 5 to the end', async () => {
    const r = await range('bytes=5-')
    expect(r.status).toBe(206)
    expect(r.headers['content-range']).toBe(`bytes 5-${SIZE - 1}/${SIZE}`)
    expect(r.body.equals(data.subarray(5))).toBe(true)
  })

  it('an end past the size is clamped', async () => {
    const r = await range(`bytes=9000-${SIZE * 10}`)
    expect(r.status).toBe(206)
    expect(r.headers['content-range']).toBe(`bytes 9000-${SIZE - 1}/${SIZE}`)
    expect(r.headers['content-length']).toBe(String(SIZE - 9000))
    expect(r.body.equals(data.subarray(9000))).toBe(true)
  })

  it('a middle slice is exact', async () => {
    const r = await range('bytes=1234-5677')
    expect(r.status).toBe(206)
    expect(r.body.equals(data.subarray(1234, 5678))).toBe(true)
  })

  it('bytes=size- → 416 with bytes */size', async () => {
    const r = await range(`bytes=${SIZE}-`)
    expect(r.status).toBe(416)
    expect(r.headers['content-range']).toBe(`bytes */${SIZE}`)
    expect(r.body.length).toBe(0)
  })

  it('malformed or foreign-unit ranges → 200 full', async () => {
    for (const h of ['bytes=abc', 'items=0-1', 'bytes']) {
      const r = await range(h)
      expect(r.status, h).toBe(200)
      expect(r.body.equals(data), h).toBe(true)
    }
  })

  it('multiple ranges → 200 full body (no multipart)', async () => {
    const r = await range('bytes=0-9,100-109')
    expect(r.status).toBe(200)
    expect(r.headers['content-range']).toBeUndefined()
    expect(r.body.equals(data)).toBe(true)
  })

  it('If-Range: matching ETag → 206, wrong ETag or weak tag → 200 full', async () => {
    const { headers } = await request(srv.port, '/data.bin', { method: 'HEAD' })
    const tag = headers.etag!
    const ok = await range('bytes=0-9', { 'If-Range': tag })
    expect(ok.status).toBe(206)
    expect(ok.body.equals(data.subarray(0, 10))).toBe(true)
    for (const ir of ['"other"', `W/${tag}`]) {
      const r = await range('bytes=0-9', { 'If-Range': ir })
      expect(r.status, ir).toBe(200)
      expect(r.body.equals(data), ir).toBe(true)
    }
  })

  it('If-Range with the Last-Modified date → 206, another date → 200', async () => {
    const { headers } = await request(srv.port, '/data.bin', { method: 'HEAD' })
    expect((await range('bytes=0-9', { 'If-Range': headers['last-modified']! })).status).toBe(206)
    expect((await range('bytes=0-9', { 'If-Range': new Date(0).toUTCString() })).status).toBe(200)
  })

  it('HEAD ignores Range', async () => {
    const r = await request(srv.port, '/data.bin', { method: 'HEAD', headers: { Range: 'bytes=0-0' } })
    expect(r.status).toBe(200)
    expect(r.headers['content-length']).toBe(String(SIZE))
  })
})

describe('methods and CORS', () => {
  it('405 with Allow for other methods', async () => {
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH']) {
      const r = await request(srv.port, '/data.bin', { method })
      expect(r.status, method).toBe(405)
      expect(r.headers.allow).toBe('GET, HEAD, OPTIONS')
    }
  })

  it('answers a web seed preflight', async () => {
    const r = await request(srv.port, '/data.bin', {
      method: 'OPTIONS',
      headers: { Origin: 'https://elsewhere.example', 'Access-Control-Request-Method': 'GET', 'Access-Control-Request-Headers': 'range' }
    })
    expect(r.status).toBe(204)
    expect(r.headers['access-control-allow-origin']).toBe('*')
    expect(r.headers['access-control-allow-methods']).toBe('GET, HEAD')
    expect(r.headers['access-control-allow-headers']).toBe('Range, If-Range, If-None-Match')
  })
})

describe('path traversal', () => {
  const attempts = [
    '/../secret.txt',
    '/docs/../../secret.txt',
    '/%2e%2e/secret.txt',
    '/%2E%2E/secret.txt',
    '/..%2fsecret.txt',
    '/%2e%2e%2fsecret.txt',
    '/docs/%2e%2e/%2e%2e/secret.txt',
    '/..%5csecret.txt',
    '/data.bin%00.png',
    '/%00',
    '/%E0%A4%A',
    '/escape.txt'
  ]
  for (const p of attempts) {
    it(`refuses ${p}`, async () => {
      const r = await request(srv.port, p)
      expect([400, 404]).toContain(r.status)
      expect(r.body.toString()).not.toContain('SECRET')
    })
  }

  it('refuses a path outside the project, too (../package.json)', async () => {
    const r = await request(srv.port, '/../../../../../../../../../../etc/passwd')
    expect([400, 404]).toContain(r.status)
    expect(r.body.toString()).not.toContain('root:')
  })
})
