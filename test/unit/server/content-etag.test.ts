// Strong ETags from content: a changed body never revalidates as 304, even when
// a reproducible build keeps its size and mtime; a published asset's ETag is
// the manifest's integrity.
import { describe, it, expect, afterEach } from 'vitest'
import { createHash } from 'node:crypto'
import { utimes, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { startServer, type RunningServer } from '../../../src/server/index.js'
import { publish } from '../../../src/cli/publish.js'
import { makeSite, request, bytes, type Site } from './helpers.js'

const sri = (b: Buffer | string): string => `"sha256-${createHash('sha256').update(b).digest('base64')}"`
let site: Site | undefined
let srv: RunningServer | undefined
afterEach(async () => {
  await srv?.close()
  await site?.cleanup()
  srv = undefined
  site = undefined
})

describe('content ETags', () => {
  it('a rebuilt file with the same size and mtime gets a new ETag, and its old one no longer matches', async () => {
    site = await makeSite({ '/app.js': 'console.log("v1")' })
    const file = join(site.dir, 'app.js')
    const fixed = new Date('2020-01-01T00:00:00Z')
    await utimes(file, fixed, fixed)
    srv = await startServer({ dir: site.dir, port: 0, quiet: true })
    const first = await request(srv.port, '/app.js')
    expect(first.headers.etag).toBe(sri('console.log("v1")'))

    // The reproducible build: same length, same fixed mtime, other bytes.
    await writeFile(file, 'console.log("v2")')
    await utimes(file, fixed, fixed)
    const again = await request(srv.port, '/app.js', { headers: { 'If-None-Match': first.headers.etag! } })
    expect(again.status).toBe(200)
    expect(again.body.toString()).toBe('console.log("v2")')
    expect(again.headers.etag).toBe(sri('console.log("v2")'))
    expect((await request(srv.port, '/app.js', { headers: { 'If-Match': first.headers.etag! } })).status).toBe(412)
    expect((await request(srv.port, '/app.js', { headers: { 'If-None-Match': again.headers.etag! } })).status).toBe(304)
  })

  it("a published asset's ETag is the manifest's integrity; a file changed after publishing is hashed instead", async () => {
    const data = bytes(50_000, 3)
    site = await makeSite({ '/img/a.bin': data, '/index.html': '<h1>x</h1>' })
    await publish({ dir: site.dir, onWarning: () => {} })
    srv = await startServer({ dir: site.dir, port: 0, quiet: true })
    const manifest = JSON.parse((await request(srv.port, '/swarmcdn.json')).body.toString()) as { assets: Record<string, { integrity: string }> }
    const r = await request(srv.port, '/img/a.bin')
    expect(r.headers.etag).toBe(`"${manifest.assets['/img/a.bin']!.integrity}"`)
    expect(r.headers.etag).toBe(sri(data))

    // Changed on disk after the manifest was written (a deploy in progress):
    // the ETag follows the bytes, not the manifest.
    const changed = Buffer.from(data)
    changed[0] = changed[0]! ^ 0xff
    await new Promise((resolve) => setTimeout(resolve, 20))
    await writeFile(join(site.dir, 'img/a.bin'), changed)
    const after = await request(srv.port, '/img/a.bin')
    expect(after.headers.etag).toBe(sri(changed))
  })
})
