import { afterAll, describe, expect, it } from 'vitest'
import { execFileSync } from 'node:child_process'
import { closeSync, openSync, readFileSync, readdirSync, symlinkSync, writeFileSync, ftruncateSync } from 'node:fs'
import { join } from 'node:path'
import { CliError, type CliErrorReason } from '../../../src/cli/errors.js'
import { publish, type PublishOptions } from '../../../src/cli/publish.js'
import { MAX_TOTAL_BYTES, walkTree } from '../../../src/cli/walk.js'
import { cleanupTemp, makeTree, nothingWritten, tempDir } from './helpers.js'

afterAll(cleanupTemp)

async function expectRefused (options: PublishOptions, reason: CliErrorReason, message: RegExp): Promise<void> {
  const err = await publish({ copyRuntime: false, onWarning: () => {}, ...options }).then(() => null, (e: unknown) => e)
  expect(err, `expected publish to fail with ${reason}`).toBeInstanceOf(CliError)
  expect((err as CliError).reason).toBe(reason)
  expect((err as CliError).message).toMatch(message)
  expect(nothingWritten(options.dir), 'nothing half-written').toBe(true)
}

describe('publish refuses bad input, clearly, writing nothing', () => {
  it('a missing folder', async () => {
    await expectRefused({ dir: join(tempDir(), 'nope') }, 'dir-missing', /nope: no such directory/)
  })

  it('a file instead of a folder', async () => {
    const dir = makeTree({ 'a.js': 'a' })
    await expectRefused({ dir: join(dir, 'a.js') }, 'not-a-directory', /a\.js is not a directory/)
  })

  it('a folder with no assets after filtering', async () => {
    await expectRefused({ dir: tempDir() }, 'empty', /no assets to publish/)
    const dir = makeTree({ 'index.html': '<p>', '.env': 'x', 'empty.js': '', 'a.js.map': '{}' })
    await expectRefused({ dir }, 'empty', /no assets to publish in .*\(1 page\(s\), 3 other file\(s\) skipped/)
    await expectRefused({ dir: makeTree({ 'a.js': 'a' }), exclude: ['*.js'] }, 'empty', /no assets/)
  })

  it('a FIFO (not a regular file)', async () => {
    const dir = makeTree({ 'a.js': 'a' })
    execFileSync('mkfifo', [join(dir, 'pipe.js')])
    await expectRefused({ dir }, 'unreadable', /"pipe\.js" is not a regular file/)
  })

  it('a dangling symlink', async () => {
    const dir = makeTree({ 'a.js': 'a' })
    symlinkSync(join(dir, 'gone.js'), join(dir, 'broken.js'))
    await expectRefused({ dir }, 'unreadable', /"broken\.js" is a broken symlink/)
  })

  it('a symlink leading out of the tree, naming it', async () => {
    const outside = makeTree({ 'secret.txt': 'x' })
    const dir = makeTree({ 'a.js': 'a' })
    symlinkSync(join(outside, 'secret.txt'), join(dir, 'leak.txt'))
    await expectRefused({ dir }, 'symlink-escape', /"leak\.txt" is a symlink to .*secret\.txt, outside the published folder/)
    const dir2 = makeTree({ 'a.js': 'a' })
    symlinkSync(outside, join(dir2, 'linked-dir'))
    await expectRefused({ dir: dir2 }, 'symlink-escape', /"linked-dir" is a symlink/)
  })

  it.each([
    ['back\\slash.js', /backslash/],
    ['new\nline.js', /control character/],
    ['tab\tbed.js', /control character/],
    ['what?.js', /"\?"/],
    ['hash#tag.js', /"#"/],
    ['sub/a?b/c.js', /"\?"/]
  ])('a file name the web cannot address: %j', async (name, why) => {
    const dir = makeTree({ 'ok.js': 'a', [name]: 'b' })
    await expectRefused({ dir }, 'bad-name', why)
    await expectRefused({ dir }, 'bad-name', /cannot be addressed by a URL.*--exclude/)
  })

  it('a file name that is not valid UTF-8', async () => {
    const dir = makeTree({ 'ok.js': 'a' })
    writeFileSync(Buffer.concat([Buffer.from(dir + '/bad-'), Buffer.from([0xff, 0xfe]), Buffer.from('.js')]), 'x')
    await expectRefused({ dir }, 'bad-name', /not valid UTF-8/)
  })

  it('a tree too large for one swarm (bytes: a sparse file just over the limit)', async () => {
    const dir = makeTree({ 'a.js': 'a' })
    const fd = openSync(join(dir, 'huge.bin'), 'w')
    ftruncateSync(fd, MAX_TOTAL_BYTES)
    closeSync(fd)
    await expectRefused({ dir }, 'too-large', /more than 4 GiB: too large for one swarm.*--include\/--exclude/)
  })

  it('a tree too large for one swarm (asset count)', () => {
    const dir = makeTree({ 'a.js': 'a', 'b.js': 'b', 'c.js': 'c' })
    expect(() => walkTree(dir, { limits: { maxAssets: 2, maxBytes: 1e9 } })).toThrow(/more than 2 assets .*too many for one swarm/)
    expect(walkTree(dir, { limits: { maxAssets: 3, maxBytes: 1e9 } }).assets).toHaveLength(3)
  })

  it.each([[1000], [8192], [3 * 16384], [32 * 1024 * 1024], ['abc'], ['16k5'], [-16384], [0]])('an invalid piece length: %j', async (pieceLength) => {
    await expectRefused({ dir: makeTree({ 'a.js': 'a' }), pieceLength }, 'bad-piece-length', /power of two from 16384 \(16 KiB\) to 16777216 \(16 MiB\)/)
  })

  it.each(['http://t.example/announce', 'udp://t.example:6969', 'announce', '//t.example/announce', 'wss://', 'ws://', 'wss://t.example/a#b', '/a b'])('an invalid tracker: %j', async (tracker) => {
    await expectRefused({ dir: makeTree({ 'a.js': 'a' }), trackers: [tracker] }, 'bad-tracker', /use an absolute ws:\/\/ or wss:\/\/ URL, or a same-origin path/)
  })

  it('missing runtime files (package not built)', async () => {
    const err = await publish({ dir: makeTree({ 'a.js': 'a' }), runtimeDir: tempDir(), onWarning: () => {} }).catch((e: unknown) => e)
    expect((err as CliError).reason).toBe('runtime-missing')
    expect((err as CliError).message).toMatch(/swarmcdn\.js, swarmcdn-sw\.js, swarmcdn-engine\.js missing .*run `npm run build`/)
  })

  it('leaves a previous valid release intact when a later publish fails', async () => {
    const dir = makeTree({ 'a.js': 'a' })
    const good = await publish({ dir, copyRuntime: false })
    const manifest = readFileSync(good.manifestPath)
    const torrent = readFileSync(good.torrentPath)
    writeFileSync(join(dir, 'b.js'), 'b')
    writeFileSync(join(dir, 'bad?.js'), 'x')
    await expect(publish({ dir, copyRuntime: false })).rejects.toThrow(/cannot be addressed/)
    expect(readFileSync(good.manifestPath).equals(manifest)).toBe(true)
    expect(readFileSync(good.torrentPath).equals(torrent)).toBe(true)
    expect(readdirSync(join(dir, 'swarmcdn'))).toEqual([`${good.infoHash}.torrent`])
    expect(readdirSync(dir).filter((n) => n.startsWith('.swarmcdn-tmp-'))).toEqual([])
  })
})
