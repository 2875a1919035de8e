// The command line as a site owner runs it: `node bin/swarmcdn.js`, which loads
// the rollup bundle dist/cli.js (the test script builds first).
import { beforeAll, afterAll, describe, expect, it } from 'vitest'
import { spawnSync } from 'node:child_process'
import { existsSync, openSync, readFileSync, readdirSync, symlinkSync, writeFileSync, writeSync, closeSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { RUNTIME_FILES } from '../../../src/shared/manifest.js'
import { bytes, cleanupTemp, makeTree, nothingWritten, tempDir } from './helpers.js'

const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..')
const BIN = join(ROOT, 'bin', 'swarmcdn.js')

beforeAll(() => {
  if (!existsSync(join(ROOT, 'dist', 'cli.js'))) {
    throw new Error('dist/cli.js is missing: run `npm run build` before the CLI tests (`npm test` does)')
  }
})
afterAll(cleanupTemp)

function run (...args: string[]): { code: number | null, stdout: string, stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 20_000 })
  return { code: r.status, stdout: r.stdout, stderr: r.stderr }
}

function site (): string {
  return makeTree({ 'index.html': '<img src="img/a.png">', 'img/a.png': bytes(5000), 'js/app.js': 'x()', 'big.bin': bytes(300 * 1024, 2) })
}

describe('swarmcdn publish (CLI)', () => {
  it('--json prints one JSON object and nothing else', () => {
    const dir = site()
    const r = run('publish', dir, '--no-runtime', '--json')
    expect(r.code).toBe(0)
    expect(r.stderr).toBe('')
    expect(r.stdout.trim().split('\n')).toHaveLength(1)
    const out = JSON.parse(r.stdout) as Record<string, unknown>
    expect(out).toMatchObject({ files: 3, bytes: 5000 + 3 + 300 * 1024, pieceLength: 16384, pages: 1, trackers: ['/announce'] })
    expect(out.infoHash).toMatch(/^[0-9a-f]{40}$/)
    expect(out.manifest).toBe(join(dir, 'swarmcdn.json'))
    expect(existsSync(join(dir, 'swarmcdn', `${out.infoHash as string}.torrent`))).toBe(true)
  })

  it('prints a summary with files, bytes, infohash, pieces and the manifest path', () => {
    const dir = site()
    const r = run('publish', dir, '--no-runtime', '--tracker', 'wss://t.example/announce', '--piece-length', '32768')
    expect(r.code).toBe(0)
    const manifest = JSON.parse(readFileSync(join(dir, 'swarmcdn.json'), 'utf8')) as { infoHash: string, trackers: string[], pieceLength: number }
    expect(r.stdout).toContain('published 3 files')
    expect(r.stdout).toContain(manifest.infoHash)
    expect(r.stdout).toMatch(/pieces\s+\d+ x 32\.0 KiB/)
    expect(r.stdout).toContain(join(dir, 'swarmcdn.json'))
    expect(manifest.trackers).toEqual(['wss://t.example/announce'])
    expect(manifest.pieceLength).toBe(32768)
  })

  it('copies the runtime files when built, or says to build', () => {
    const dir = site()
    const built = RUNTIME_FILES.every((f) => existsSync(join(ROOT, 'dist', f)))
    const r = run('publish', dir)
    if (built) {
      expect(r.code).toBe(0)
      for (const f of RUNTIME_FILES) expect(readFileSync(join(dir, f)).equals(readFileSync(join(ROOT, 'dist', f)))).toBe(true)
    } else {
      expect(r.code).toBe(1)
      expect(r.stderr).toMatch(/missing from .*dist; run `npm run build`/)
      expect(nothingWritten(dir)).toBe(true)
    }
  })

  const badCases: Array<[string, () => { args: string[], dir: string }, RegExp]> = [
    ['missing folder', () => { const dir = join(tempDir(), 'nope'); return { dir, args: [dir] } }, /no such directory/],
    ['not a folder', () => { const dir = site(); return { dir, args: [join(dir, 'js', 'app.js')] } }, /is not a directory/],
    ['empty folder', () => { const dir = tempDir(); return { dir, args: [dir] } }, /no assets to publish/],
    ['bad piece length', () => { const dir = site(); return { dir, args: [dir, '--piece-length', '1000'] } }, /invalid piece length "1000"/],
    ['bad tracker', () => { const dir = site(); return { dir, args: [dir, '--tracker', 'http://t.example/announce'] } }, /invalid tracker "http:\/\/t\.example\/announce"/],
    ['unaddressable name', () => { const dir = site(); writeFileSync(join(dir, 'a#b.js'), 'x'); return { dir, args: [dir] } }, /"a#b\.js" cannot be addressed by a URL/],
    ['symlink out of the tree', () => { const dir = site(); symlinkSync('/etc/hostname', join(dir, 'h.txt')); return { dir, args: [dir] } }, /"h\.txt" is a symlink to .*outside the published folder/],
    ['dangling symlink', () => { const dir = site(); symlinkSync('/nonexistent/x', join(dir, 'x.js')); return { dir, args: [dir] } }, /"x\.js" is a broken symlink/]
  ]
  it.each(badCases)('refuses %s: exit 1, message on stderr, nothing written', (_name, make, message) => {
    const { dir, args } = make()
    const r = run('publish', ...args, '--no-runtime')
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/^swarmcdn: /)
    expect(r.stderr).toMatch(message)
    expect(r.stdout).toBe('')
    expect(nothingWritten(dir)).toBe(true)
  })

  it('keeps the previous release when a publish fails', () => {
    const dir = site()
    expect(run('publish', dir, '--no-runtime').code).toBe(0)
    const before = readFileSync(join(dir, 'swarmcdn.json'))
    const torrents = readdirSync(join(dir, 'swarmcdn'))
    writeFileSync(join(dir, 'js', 'new.js'), 'new')
    writeFileSync(join(dir, 'bad\\name.js'), 'x')
    const r = run('publish', dir, '--no-runtime')
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/backslash/)
    expect(readFileSync(join(dir, 'swarmcdn.json')).equals(before)).toBe(true)
    expect(readdirSync(join(dir, 'swarmcdn'))).toEqual(torrents)
  })
})

describe('swarmcdn verify (CLI)', () => {
  it('exits 0 with an OK summary on a fresh publish', () => {
    const dir = site()
    run('publish', dir, '--no-runtime')
    const r = run('verify', dir)
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/^OK: 3 files/)
  })

  it('exits 1 naming the path after one byte of an asset changes', () => {
    const dir = site()
    run('publish', dir, '--no-runtime')
    const fd = openSync(join(dir, 'img', 'a.png'), 'r+')
    writeSync(fd, Buffer.from('!'), 0, 1, 10)
    closeSync(fd)
    const r = run('verify', dir)
    expect(r.code).toBe(1)
    expect(r.stdout).toContain('/img/a.png: hash differs')
    const j = run('verify', dir, '--json')
    expect(j.code).toBe(1)
    const out = JSON.parse(j.stdout) as { ok: boolean, problems: string[] }
    expect(out.ok).toBe(false)
    expect(out.problems.join('\n')).toContain('/img/a.png')
  })

  it('exits 1 with a clear message when the manifest was tampered with', () => {
    const dir = site()
    run('publish', dir, '--no-runtime')
    const path = join(dir, 'swarmcdn.json')
    writeFileSync(path, readFileSync(path, 'utf8').replace('"version": 1', '"version": 7'))
    const r = run('verify', dir)
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/swarmcdn\.json is not a valid manifest: unsupported manifest version 7/)
  })
})
