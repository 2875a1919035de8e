// sendOpenFile replaces send's two I/O steps (the stat and the body stream) on
// the instance: these tests fail if a send release stops calling them, since
// send would then stat and read a path that does not exist.
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { open } from 'node:fs/promises'
import { join } from 'node:path'
import { sendOpenFile } from '../../../src/server/send-file.js'
import { makeSite, request, bytes, type Site } from './helpers.js'

const data = bytes(50_000, 5)
let site: Site
let server: http.Server
let port: number
const counted: number[] = []

beforeAll(async () => {
  site = await makeSite({ '/real.bin': data })
  server = http.createServer((req, res) => {
    void (async () => {
      const fh = await open(join(site.dir, 'real.bin'), 'r')
      const st = await fh.stat()
      res.setHeader('ETag', '"t"')
      res.setHeader('Content-Type', 'application/octet-stream')
      await sendOpenFile(req, res, {
        // A path send cannot stat: every byte must come from the handle.
        file: join(site.dir, 'missing', 'nowhere.bin'),
        fh,
        st,
        headers: req.headers,
        onSent: (n) => { counted.push(n) },
        signal: new AbortController().signal
      })
    })()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  port = (server.address() as AddressInfo).port
})
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve))
  await site.cleanup()
})

describe('sendOpenFile', () => {
  it("answers from the opened handle and its fstat, through the counting pump", async () => {
    counted.length = 0
    const r = await request(port, '/')
    expect(r.status).toBe(200)
    expect(r.body.equals(data)).toBe(true)
    expect(counted.reduce((a, b) => a + b, 0)).toBe(data.length)
    counted.length = 0
    const part = await request(port, '/', { headers: { Range: 'bytes=10-19' } })
    expect(part.status).toBe(206)
    expect(part.body.equals(data.subarray(10, 20))).toBe(true)
    expect(counted.reduce((a, b) => a + b, 0)).toBe(10)
  })

  it("reads the caller's ETag for its conditional checks", async () => {
    expect((await request(port, '/', { headers: { 'If-None-Match': '"t"' } })).status).toBe(304)
    expect((await request(port, '/', { headers: { 'If-Match': '"u"' } })).status).toBe(412)
  })
})
