// Every conditional case of the static origin, answered by `send` with our
// content ETag (src/server/send-file.ts), and the RFC 9110 corrections of the
// headers send evaluates (src/server/conditional.ts). Real server on 127.0.0.1.
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { utimes } from 'node:fs/promises'
import { join } from 'node:path'
import { startServer, type RunningServer } from '../../../src/server/index.js'
import { headersForSend, ifRangeHolds } from '../../../src/server/conditional.js'
import { makeSite, request, bytes, sri, type Site } from './helpers.js'

let site: Site
let srv: RunningServer
const SIZE = 10_000
const data = bytes(SIZE, 7)
/** Fixed so that dates before, at and after Last-Modified are known. */
const MTIME = new Date('2024-03-01T12:00:00Z')
const TAG = `"${sri(data)}"`
const LAST_MODIFIED = MTIME.toUTCString()
const BEFORE = new Date(MTIME.getTime() - 3600_000).toUTCString()
const AFTER = new Date(MTIME.getTime() + 3600_000).toUTCString()

const get = (headers: Record<string, string>, method = 'GET'): ReturnType<typeof request> =>
  request(srv.port, '/data.bin', { method, headers })
const sent = (): number => srv.stats().origin.byPath['/data.bin']?.bytes ?? 0

beforeAll(async () => {
  site = await makeSite({ '/data.bin': data, '/empty.txt': '' })
  await utimes(join(site.dir, 'data.bin'), MTIME, MTIME)
  srv = await startServer({ dir: site.dir, port: 0, quiet: true })
})
afterAll(async () => {
  await srv.close()
  await site.cleanup()
})

describe('validators', () => {
  it("send's checks use our content ETag, not its own size/mtime tag", async () => {
    const r = await get({})
    expect(r.headers.etag).toBe(TAG)
    expect(r.headers['last-modified']).toBe(LAST_MODIFIED)
    // What send's own ETag would be (etag package, from the stat): never matches here.
    const statTag = `W/"${SIZE.toString(16)}-${MTIME.getTime().toString(16)}"`
    expect((await get({ 'If-None-Match': statTag })).status).toBe(200)
    expect((await get({ 'If-Match': statTag.slice(2) })).status).toBe(412)
  })
})

describe('If-None-Match / If-Modified-Since → 304', () => {
  it('304 on If-None-Match (also weak and lists), 200 on a stale tag', async () => {
    for (const inm of [TAG, `W/${TAG}`, `"zzz", ${TAG}`, '*']) {
      const r = await get({ 'If-None-Match': inm })
      expect(r.status, inm).toBe(304)
      expect(r.body.length).toBe(0)
      expect(r.headers.etag).toBe(TAG)
    }
    expect((await get({ 'If-None-Match': '"stale"' })).status).toBe(200)
  })

  it('a 304 keeps the validators, caching and CORS headers and drops the content ones', async () => {
    const r = await get({ 'If-None-Match': TAG })
    expect(r.status).toBe(304)
    expect(r.headers['last-modified']).toBe(LAST_MODIFIED)
    expect(r.headers['cache-control']).toBe('public, max-age=0, must-revalidate')
    expect(r.headers['access-control-allow-origin']).toBe('*')
    expect(r.headers['content-type']).toBeUndefined()
    expect(r.headers['content-range']).toBeUndefined()
  })

  it('304 on If-Modified-Since at or after Last-Modified, 200 before; an unparseable date is ignored', async () => {
    expect((await get({ 'If-Modified-Since': LAST_MODIFIED })).status).toBe(304)
    expect((await get({ 'If-Modified-Since': AFTER })).status).toBe(304)
    expect((await get({ 'If-Modified-Since': BEFORE })).status).toBe(200)
    expect((await get({ 'If-Modified-Since': 'not a date' })).status).toBe(200)
  })

  it('If-None-Match wins over If-Modified-Since both ways (RFC 9110 13.1.3)', async () => {
    // Same bytes, older date (a redeploy that rewrote an unchanged file): still 304.
    expect((await get({ 'If-None-Match': TAG, 'If-Modified-Since': BEFORE })).status).toBe(304)
    // Other bytes, date that would say "not modified": 200.
    expect((await get({ 'If-None-Match': '"stale"', 'If-Modified-Since': AFTER })).status).toBe(200)
  })

  it("Cache-Control: no-cache asks for the whole body even with matching validators (send's end-to-end reload)", async () => {
    expect((await get({ 'If-None-Match': TAG, 'Cache-Control': 'no-cache' })).status).toBe(200)
    // What fetch's 'no-cache' mode and a normal reload send: still revalidated.
    expect((await get({ 'If-None-Match': TAG, 'Cache-Control': 'max-age=0' })).status).toBe(304)
  })

  it('304 for HEAD too, and before any Range', async () => {
    expect((await get({ 'If-None-Match': TAG }, 'HEAD')).status).toBe(304)
    const r = await get({ 'If-None-Match': TAG, Range: 'bytes=0-9' })
    expect(r.status).toBe(304)
    expect(r.body.length).toBe(0)
  })
})

describe('If-Match / If-Unmodified-Since → 412', () => {
  it('If-Match with a strong match passes (also lists and *), and a Range still applies', async () => {
    for (const im of [TAG, `"zzz", ${TAG}`, `W/"zzz", ${TAG}`, '*']) {
      const r = await get({ 'If-Match': im, Range: 'bytes=0-9' })
      expect(r.status, im).toBe(206)
      expect(r.body.equals(data.subarray(0, 10))).toBe(true)
    }
  })

  it('412 when If-Match has no strong match (a weak tag never matches), with no body and no bytes counted', async () => {
    const before = sent()
    for (const im of ['"stale"', `W/${TAG}`, `W/${TAG}, W/"x"`, `W/${TAG}, "other"`, '""']) {
      const r = await get({ 'If-Match': im })
      expect(r.status, im).toBe(412)
      expect(r.body.length).toBe(0)
      expect(r.headers['content-length']).toBe('0')
      expect(r.headers['content-type']).toBeUndefined()
      expect(r.headers.etag).toBe(TAG)
    }
    expect(sent()).toBe(before)
  })

  it('412 on an If-Unmodified-Since before Last-Modified; at or after it, or unparseable, passes', async () => {
    expect((await get({ 'If-Unmodified-Since': BEFORE })).status).toBe(412)
    expect((await get({ 'If-Unmodified-Since': LAST_MODIFIED })).status).toBe(200)
    expect((await get({ 'If-Unmodified-Since': AFTER })).status).toBe(200)
    expect((await get({ 'If-Unmodified-Since': 'not a date' })).status).toBe(200)
  })

  it('If-Match wins over If-Unmodified-Since; preconditions come before If-None-Match and Range (RFC 9110 13.2.2)', async () => {
    expect((await get({ 'If-Unmodified-Since': BEFORE, 'If-Match': TAG })).status).toBe(200)
    expect((await get({ 'If-Unmodified-Since': AFTER, 'If-Match': '"stale"' })).status).toBe(412)
    expect((await get({ 'If-Match': '"stale"', 'If-None-Match': TAG })).status).toBe(412)
    expect((await get({ 'If-Match': '"stale"', Range: `bytes=${SIZE}-` })).status).toBe(412)
    expect((await get({ 'If-Unmodified-Since': BEFORE, Range: 'bytes=0-9' })).status).toBe(412)
  })

  it('412 for HEAD too', async () => {
    const r = await get({ 'If-Match': '"stale"' }, 'HEAD')
    expect(r.status).toBe(412)
    expect(r.body.length).toBe(0)
  })
})

describe('If-Range', () => {
  it('the exact ETag → 206; another, or a weak form of ours → 200 full', async () => {
    const ok = await get({ Range: 'bytes=0-9', 'If-Range': TAG })
    expect(ok.status).toBe(206)
    expect(ok.body.equals(data.subarray(0, 10))).toBe(true)
    for (const ir of ['"other"', `W/${TAG}`]) {
      const r = await get({ Range: 'bytes=0-9', 'If-Range': ir })
      expect(r.status, ir).toBe(200)
      expect(r.body.equals(data), ir).toBe(true)
    }
  })

  it('exactly the Last-Modified date → 206; any other date, earlier or later, → 200 full', async () => {
    expect((await get({ Range: 'bytes=0-9', 'If-Range': LAST_MODIFIED })).status).toBe(206)
    expect((await get({ Range: 'bytes=0-9', 'If-Range': BEFORE })).status).toBe(200)
    expect((await get({ Range: 'bytes=0-9', 'If-Range': AFTER })).status).toBe(200)
  })

  it('an unsatisfiable Range is 416 only while If-Range holds; otherwise the whole file', async () => {
    expect((await get({ Range: `bytes=${SIZE}-`, 'If-Range': TAG })).status).toBe(416)
    const r = await get({ Range: `bytes=${SIZE}-`, 'If-Range': '"other"' })
    expect(r.status).toBe(200)
    expect(r.body.equals(data)).toBe(true)
  })
})

describe('Range through send, as interpretRange reads it', () => {
  it('a suffix longer than the file selects all of it (RFC 9110 14.1.2)', async () => {
    const r = await get({ Range: `bytes=-${SIZE * 2}` })
    expect(r.status).toBe(206)
    expect(r.headers['content-range']).toBe(`bytes 0-${SIZE - 1}/${SIZE}`)
    expect(r.body.equals(data)).toBe(true)
  })

  it('a spec whose end is before its start voids the header → 200 full', async () => {
    const r = await get({ Range: 'bytes=5-2' })
    expect(r.status).toBe(200)
    expect(r.body.equals(data)).toBe(true)
  })

  it('overlapping ranges merge into one 206', async () => {
    const r = await get({ Range: 'bytes=0-9,5-19' })
    expect(r.status).toBe(206)
    expect(r.headers['content-range']).toBe(`bytes 0-19/${SIZE}`)
    expect(r.body.equals(data.subarray(0, 20))).toBe(true)
  })

  it('any Range on an empty file is 416 bytes */0', async () => {
    const r = await request(srv.port, '/empty.txt', { headers: { Range: 'bytes=0-' } })
    expect(r.status).toBe(416)
    expect(r.headers['content-range']).toBe('bytes */0')
  })

  it('counts exactly the body bytes that went out: the range for 206, none for 416, HEAD and 304', async () => {
    const before = sent()
    expect((await get({ Range: 'bytes=100-1099' })).body.length).toBe(1000)
    expect(sent() - before).toBe(1000)
    await get({ Range: `bytes=${SIZE}-` })
    await get({}, 'HEAD')
    await get({ 'If-None-Match': TAG })
    expect(sent() - before).toBe(1000)
    await get({})
    expect(sent() - before).toBe(1000 + SIZE)
  })
})

describe('headersForSend (what send is shown)', () => {
  const v = { etag: TAG, mtimeMs: MTIME.getTime() }
  it('leaves the request alone and corrects only what send misreads', () => {
    const h = { 'if-match': `W/${TAG}, "a"`, 'if-none-match': TAG, 'if-modified-since': BEFORE, range: 'bytes=-99999', accept: '*/*' }
    const out = headersForSend('GET', h, v, SIZE)
    expect(out).toEqual({ 'if-match': '"a"', 'if-none-match': TAG, 'if-modified-since': BEFORE, range: `bytes=0-${SIZE - 1}`, accept: '*/*' })
    expect(h['if-match']).toBe(`W/${TAG}, "a"`)
    expect(h.range).toBe('bytes=-99999')
    expect(headersForSend('GET', { 'if-match': `W/${TAG}` }, v, SIZE)['if-match']).toBe('""')
    expect(headersForSend('GET', { 'if-match': '*' }, v, SIZE)['if-match']).toBe('*')
  })

  it('drops Range for HEAD, for a failed If-Range and for ranges served whole; marks unsatisfiable ones', () => {
    expect(headersForSend('HEAD', { range: 'bytes=0-9' }, v, SIZE).range).toBeUndefined()
    expect(headersForSend('GET', { range: 'bytes=0-9', 'if-range': AFTER }, v, SIZE).range).toBeUndefined()
    expect(headersForSend('GET', { range: 'bytes=0-9,100-109' }, v, SIZE).range).toBeUndefined()
    expect(headersForSend('GET', { range: 'bytes=0-9' }, v, SIZE).range).toBe('bytes=0-9')
    expect(headersForSend('GET', { range: `bytes=${SIZE + 5}-` }, v, SIZE).range).toBe(`bytes=${SIZE}-`)
  })

  it('ifRangeHolds: exact strong tag or exact date only', () => {
    expect(ifRangeHolds({}, v)).toBe(true)
    expect(ifRangeHolds({ 'if-range': TAG }, v)).toBe(true)
    expect(ifRangeHolds({ 'if-range': `W/${TAG}` }, v)).toBe(false)
    expect(ifRangeHolds({ 'if-range': LAST_MODIFIED }, v)).toBe(true)
    expect(ifRangeHolds({ 'if-range': AFTER }, v)).toBe(false)
    expect(ifRangeHolds({ 'if-range': 'garbage' }, v)).toBe(false)
  })
})
