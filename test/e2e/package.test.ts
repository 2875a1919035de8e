// The package as a user gets it: `npm pack`, then `npm install <tarball>` into
// an empty project with nothing but the npm registry (no native build, no
// download from elsewhere), then the CLI from there: --help, publish, serve
// (a file and the stats) and tracker. Reads the built dist/ (npm run build).
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { mkdtemp, mkdir, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import WebSocket from 'ws'
import { prng } from '../unit/fuzz/prng.js'

const repo = fileURLToPath(new URL('../../', import.meta.url))

/** Environment without the npm_* variables of the npm that started the tests (its prefix, its config). */
function cleanEnv (): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const [k, v] of Object.entries(process.env)) if (!/^npm_/i.test(k)) env[k] = v
  return { ...env, npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false' }
}

interface Proc {
  child: ChildProcess
  out: () => string
  err: () => string
  exited: Promise<number | null>
}

const procs: Proc[] = []

function run (cmd: string, args: string[], cwd: string): Proc {
  // detached: npx starts the CLI as its own child; the group is stopped as one.
  const child = spawn(cmd, args, { cwd, env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'], detached: true })
  let out = ''
  let err = ''
  child.stdout!.on('data', (d: Buffer) => { out += d.toString() })
  child.stderr!.on('data', (d: Buffer) => { err += d.toString() })
  const exited = new Promise<number | null>((resolve) => { child.on('close', (code) => { resolve(code) }) })
  const p = { child, out: () => out, err: () => err, exited }
  procs.push(p)
  return p
}

async function finish (p: Proc): Promise<{ code: number | null, out: string, err: string }> {
  const code = await p.exited
  return { code, out: p.out(), err: p.err() }
}

/** Resolves with the first match of `re` in stdout; rejects if the process ends first. */
function line (p: Proc, re: RegExp): Promise<RegExpMatchArray> {
  return new Promise((resolve, reject) => {
    const check = (): void => {
      const m = p.out().match(re)
      if (m !== null) { p.child.stdout!.off('data', check); resolve(m) }
    }
    p.child.stdout!.on('data', check)
    check()
    void p.exited.then(() => { reject(new Error(`exited before ${re}:\n${p.out()}\n${p.err()}`)) })
  })
}

function stop (p: Proc): void {
  if (p.child.exitCode === null && p.child.pid !== undefined) {
    try { process.kill(-p.child.pid, 'SIGTERM') } catch { /* already gone */ }
  }
}

let tmp: string
let app: string
let installLog: string

beforeAll(async () => {
  if (!existsSync(join(repo, 'dist/cli.js'))) throw new Error('dist/ is missing: run `npm run build` before this test')
  tmp = await mkdtemp(join(tmpdir(), 'swarmcdn-pack-'))
  const packed = await finish(run('npm', ['pack', '--json', '--pack-destination', tmp], repo))
  expect(packed.code, packed.err).toBe(0)
  const tarball = join(tmp, (JSON.parse(packed.out) as Array<{ filename: string }>)[0]!.filename)
  app = join(tmp, 'app')
  await mkdir(app)
  await writeFile(join(app, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', private: true }))
  const installed = await finish(run('npm', ['install', '--no-audit', '--no-fund', tarball], app))
  installLog = installed.out + installed.err
  expect(installed.code, installLog).toBe(0)
}, 120_000)

afterAll(async () => {
  for (const p of procs) stop(p)
  await Promise.all(procs.map((p) => p.exited))
  if (tmp !== undefined) await rm(tmp, { recursive: true, force: true })
})

/** Every package folder under node_modules (scoped ones as `@scope/name`). */
async function installedPackages (root: string): Promise<string[]> {
  const out: string[] = []
  const walk = async (dir: string): Promise<void> => {
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => [])
    for (const e of entries) {
      if (!e.isDirectory() || e.name.startsWith('.')) continue
      if (e.name.startsWith('@')) {
        for (const s of await readdir(join(dir, e.name))) {
          out.push(`${e.name}/${s}`)
          await walk(join(dir, e.name, s, 'node_modules'))
        }
      } else {
        out.push(e.name)
        await walk(join(dir, e.name, 'node_modules'))
      }
    }
  }
  await walk(join(root, 'node_modules'))
  return out
}

describe('npm install swarmcdn (the packed tarball) into an empty project', () => {
  it('installs without any native build and without the WebRTC client stack', async () => {
    const pkgs = await installedPackages(app)
    expect(pkgs).toContain('swarmcdn')
    for (const never of ['node-datachannel', 'webrtc-polyfill', 'bittorrent-tracker', '@thaunknown/simple-peer', 'webtorrent', 'create-torrent']) {
      expect(pkgs, never).not.toContain(never)
    }
    expect(installLog).not.toMatch(/node-gyp|prebuild-install|cmake/i)
    // Every installed package that has an install script is listed, so a new one fails here on purpose.
    const withScripts = pkgs.filter((name) => {
      const scripts = (JSON.parse(readFileSync(join(app, 'node_modules', name, 'package.json'), 'utf8')) as { scripts?: Record<string, string> }).scripts ?? {}
      return ['preinstall', 'install', 'postinstall'].some((s) => s in scripts)
    })
    expect(withScripts).toEqual([])
  })

  it('npx swarmcdn --help lists the commands', async () => {
    const r = await finish(run('npx', ['swarmcdn', '--help'], app))
    expect(r.code, r.err).toBe(0)
    for (const cmd of ['publish', 'serve', 'tracker', 'verify']) expect(r.out).toContain(cmd)
  })

  it('publishes a site, serves a file and the stats, and runs the tracker alone', async () => {
    const site = join(app, 'site')
    const rnd = prng(7)
    const data = Buffer.from(Array.from({ length: 100_000 }, () => Math.floor(rnd() * 256)))
    await mkdir(join(site, 'img'), { recursive: true })
    await writeFile(join(site, 'index.html'), '<!doctype html><link rel=stylesheet href=style.css><img src="img/a.bin"><script src="/swarmcdn.js" defer></script>')
    await writeFile(join(site, 'style.css'), 'body{color:red}')
    await writeFile(join(site, 'img/a.bin'), data)

    const pub = await finish(run('npx', ['swarmcdn', 'publish', 'site', '--json'], app))
    expect(pub.code, pub.err).toBe(0)
    const result = JSON.parse(pub.out) as { infoHash: string, files: number, runtime: string[] }
    expect(result.files).toBe(2)
    expect(result.runtime).toEqual(expect.arrayContaining(['swarmcdn.js', 'swarmcdn-sw.js', 'swarmcdn-engine.js']))
    for (const f of result.runtime) expect(existsSync(join(site, f)), f).toBe(true)
    const manifest = JSON.parse(readFileSync(join(site, 'swarmcdn.json'), 'utf8')) as { infoHash: string, pages: Record<string, { assets: string[] }> }
    expect(manifest.infoHash).toBe(result.infoHash)
    expect(manifest.pages['/']!.assets).toEqual(['/style.css', '/img/a.bin'])
    expect(existsSync(join(site, 'swarmcdn', `${result.infoHash}.torrent`))).toBe(true)

    const serve = run('npx', ['swarmcdn', 'serve', 'site', '--port', '0'], app)
    const [, , url] = await line(serve, /^swarmcdn: serving (.+) at (http:\/\/127\.0\.0\.1:\d+\/)$/m)
    const res = await fetch(new URL('img/a.bin', url))
    expect(res.status).toBe(200)
    expect(Buffer.from(await res.arrayBuffer()).equals(data)).toBe(true)
    const stats = await (await fetch(new URL('swarmcdn/stats', url))).json() as { origin: { byPath: Record<string, { bytes: number, requests: number }> }, release: { infoHash: string } }
    expect(stats.origin.byPath['/img/a.bin']).toEqual({ bytes: data.length, requests: 1 })
    expect(stats.release.infoHash).toBe(result.infoHash)
    // Signals and exit codes of serve/tracker are test/unit/server/cli.test.ts's
    // subject; npx does not forward SIGTERM, so the whole group is stopped here.
    stop(serve)
    await serve.exited

    const tracker = run('npx', ['swarmcdn', 'tracker', '--port', '0', '--allow', result.infoHash], app)
    const [, wsUrl] = await line(tracker, /tracker at (ws:\/\/127\.0\.0\.1:\d+\/announce)/)
    // A WebSocket announce gets the tracker's answer (interval), as a browser peer would.
    const ws = new WebSocket(wsUrl!)
    const answer = await new Promise<Record<string, unknown>>((resolve, reject) => {
      ws.on('error', reject)
      ws.on('open', () => {
        ws.send(JSON.stringify({
          action: 'announce',
          info_hash: Buffer.from(result.infoHash, 'hex').toString('latin1'),
          peer_id: Buffer.from('-SW0001-packagetest0', 'latin1').toString('latin1'),
          numwant: 0, uploaded: 0, downloaded: 0, left: 0, event: 'started', offers: []
        }))
      })
      ws.on('message', (m: Buffer) => { resolve(JSON.parse(m.toString()) as Record<string, unknown>) })
    })
    ws.close()
    expect(answer.action).toBe('announce')
    expect(answer.interval).toBeTypeOf('number')
    stop(tracker)
    await tracker.exited
  })

  it('never loads the optional WebRTC module for publish, serve or tracker', async () => {
    // The static import graph of the CLI entry (relative imports only).
    const dist = join(app, 'node_modules/swarmcdn/dist')
    const seen = new Set<string>()
    const visit = (file: string): void => {
      if (seen.has(file)) return
      seen.add(file)
      const text = readFileSync(file, 'utf8')
      expect(text, file).not.toMatch(/from\s*['"]@roamhq\/wrtc['"]/)
      for (const m of text.matchAll(/(?:^|[;\n])\s*import\s*(?:[^'"()]*?from\s*)?['"](\.{1,2}\/[^'"]+)['"]/g)) visit(join(dirname(file), m[1]!))
    }
    visit(join(dist, 'cli.js'))
    expect(seen.size).toBeGreaterThan(0)
  })
})
