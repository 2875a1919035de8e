import { afterAll, describe, expect, it } from 'vitest'
import { openSync, readFileSync, renameSync, unlinkSync, writeFileSync, writeSync, closeSync, appendFileSync } from 'node:fs'
import { join } from 'node:path'
import { CliError } from '../../../src/cli/errors.js'
import { publish } from '../../../src/cli/publish.js'
import { describeMismatch, verify } from '../../../src/cli/verify.js'
import { bytes, cleanupTemp, makeTree } from './helpers.js'

afterAll(cleanupTemp)

async function published (): Promise<{ dir: string, infoHash: string, torrentPath: string }> {
  const dir = makeTree({
    'a.js': 'console.log(1)\n',
    'b/big.bin': bytes(600 * 1024, 5), // 3 blocks
    'c.css': 'body{}'
  })
  const r = await publish({ dir, copyRuntime: false })
  return { dir, infoHash: r.infoHash, torrentPath: r.torrentPath }
}

function flipByte (path: string, at: number): void {
  const data = readFileSync(path)
  const fd = openSync(path, 'r+')
  writeSync(fd, Buffer.from([data[at] ^ 0xff]), 0, 1, at)
  closeSync(fd)
}

describe('verify', () => {
  it('passes on a fresh publish, pieces included', async () => {
    const { dir, infoHash } = await published()
    const r = await verify(dir)
    expect(r).toMatchObject({ ok: true, infoHash, files: 3, piecesChecked: true, mismatches: [] })
  })

  it('names a tampered asset: hash, the block that differs, the torrent pieces', async () => {
    const { dir } = await published()
    flipByte(join(dir, 'b', 'big.bin'), 300 * 1024) // inside block 1
    const r = await verify(dir)
    expect(r.ok).toBe(false)
    expect(r.mismatches).toEqual([
      { kind: 'hash', path: '/b/big.bin' },
      { kind: 'blocks', path: '/b/big.bin', blocks: [1] },
      { kind: 'pieces', count: 1, first: [expect.any(Number)], paths: ['/b/big.bin'] }
    ])
    expect(r.mismatches.map(describeMismatch).join('\n')).toMatch(/\/b\/big\.bin: hash differs[\s\S]*block 1 differs[\s\S]*1 piece hash differs/)
  })

  it('reports missing files and size changes, and then skips the piece check', async () => {
    const { dir } = await published()
    unlinkSync(join(dir, 'a.js'))
    appendFileSync(join(dir, 'c.css'), 'x')
    const r = await verify(dir)
    expect(r.piecesChecked).toBe(false)
    expect(r.mismatches).toEqual([
      { kind: 'missing', path: '/a.js' },
      { kind: 'size', path: '/c.css', expected: 6, actual: 7 }
    ])
  })

  it('checks the torrent exists and carries the manifest infohash', async () => {
    const { dir, torrentPath } = await published()
    renameSync(torrentPath, `${torrentPath}.bak`)
    expect((await verify(dir)).mismatches).toEqual([{ kind: 'torrent-missing', path: expect.stringMatching(/^swarmcdn\/[0-9a-f]{40}\.torrent$/) }])
    // Another release's torrent under this name.
    const other = makeTree({ 'a.js': 'other' })
    const o = await publish({ dir: other, copyRuntime: false })
    writeFileSync(torrentPath, readFileSync(o.torrentPath))
    const r = await verify(dir)
    expect(r.mismatches[0]).toEqual({ kind: 'torrent-infohash', expected: expect.any(String), actual: o.infoHash })
    expect(r.mismatches.some((m) => m.kind === 'torrent-files')).toBe(true)
  })

  it('refuses a missing, unparseable or invalid manifest with a clear message', async () => {
    const { dir } = await published()
    const path = join(dir, 'swarmcdn.json')
    const good = readFileSync(path, 'utf8')
    writeFileSync(path, good.slice(0, 40))
    await expect(verify(dir)).rejects.toThrow(/swarmcdn\.json is not valid JSON/)
    writeFileSync(path, good.replace(/"integrity":"sha256-[^"]+"/, '"integrity":"md5-AAAA"'))
    const err = await verify(dir).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(CliError)
    expect((err as CliError).reason).toBe('manifest-invalid')
    expect((err as CliError).message).toMatch(/is not a valid manifest: asset \/a\.js: integrity must be sha256/)
    unlinkSync(path)
    await expect(verify(dir)).rejects.toThrow(/cannot read the manifest \(ENOENT\); run `swarmcdn publish/)
  })
})
