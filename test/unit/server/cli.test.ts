// `swarmcdn serve` / `swarmcdn tracker` as processes: the URL line, signals, exit codes.
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import net from 'node:net'
import { fileURLToPath } from 'node:url'
import { makeSite, request, type Site } from './helpers.js'

const repo = fileURLToPath(new URL('../../../', import.meta.url))
const bin = fileURLToPath(new URL('../../../bin/swarmcdn.js', import.meta.url))

/** The first stdout line of `serve`, a contract tests and benches parse. */
const SERVE_LINE = /^swarmcdn: serving (.+) at (http:\/\/127\.0\.0\.1:(\d+)\/)$/m

interface Proc {
  child: ChildProcess
  stdout: () => string
  stderr: () => string
  exited: Promise<{ code: number | null, signal: NodeJS.Signals | null }>
}

function run (args: string[]): Proc {
  const child = spawn(process.execPath, [bin, ...args], { cwd: repo, stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  let err = ''
  child.stdout!.on('data', (d: Buffer) => { out += d.toString() })
  child.stderr!.on('data', (d: Buffer) => { err += d.toString() })
  const exited = new Promise<{ code: number | null, signal: NodeJS.Signals | null }>((resolve) => {
    child.on('exit', (code, signal) => { resolve({ code, signal }) })
  })
  return { child, stdout: () => out, stderr: () => err, exited }
}

async function waitFor (p: Proc, re: RegExp, timeoutMs = 10_000): Promise<RegExpMatchArray> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const m = p.stdout().match(re)
    if (m) return m
    if (Date.now() > deadline || p.child.exitCode !== null) throw new Error(`no ${re} in stdout:\n${p.stdout()}\nstderr:\n${p.stderr()}`)
    await new Promise((r) => setTimeout(r, 20))
  }
}

let site: Site
const procs: Proc[] = []
const start = (args: string[]): Proc => {
  const p = run(args)
  procs.push(p)
  return p
}

beforeAll(async () => {
  if (!existsSync(new URL('../../../dist/cli.js', import.meta.url))) {
    throw new Error('dist/cli.js is missing: run `npm run build` before these tests')
  }
  site = await makeSite({ '/index.html': '<h1>cli</h1>' })
})
afterAll(async () => {
  for (const p of procs) if (p.child.exitCode === null) p.child.kill('SIGKILL')
  await site.cleanup()
})

describe('swarmcdn serve', () => {
  it('prints the URL line first, serves, and exits 0 promptly on SIGTERM', async () => {
    const p = start(['serve', site.dir, '--port', '0'])
    const m = await waitFor(p, SERVE_LINE)
    expect(p.stdout().split('\n')[0]).toMatch(SERVE_LINE)
    expect(m[1]).toBe(site.dir)
    const port = Number(m[3])
    expect(port).toBeGreaterThan(0)
    expect(p.stdout()).toContain(`ws://127.0.0.1:${port}/announce`)
    expect(p.stdout()).toContain(`http://127.0.0.1:${port}/swarmcdn/stats`)
    expect(p.stdout()).toContain(`http://127.0.0.1:${port}/metrics`)
    expect(p.stderr()).toContain('no ') // no swarmcdn.json: plain static server, with a warning
    expect((await request(port, '/')).body.toString()).toContain('cli')
    // A keep-alive connection held open must not delay the stop.
    const idle = net.connect(port, '127.0.0.1')
    idle.on('error', () => {})
    await new Promise((r) => idle.once('connect', r))
    idle.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n')
    await new Promise((r) => setTimeout(r, 100))
    const t0 = Date.now()
    p.child.kill('SIGTERM')
    const { code } = await p.exited
    expect(code).toBe(0)
    // A clean stop, not the 2 s safety exit.
    expect(Date.now() - t0).toBeLessThan(1500)
    expect(p.stderr()).not.toContain('too long')
    idle.destroy()
  })

  it('exits 0 on SIGINT too', async () => {
    const p = start(['serve', site.dir, '--port', '0'])
    await waitFor(p, SERVE_LINE)
    p.child.kill('SIGINT')
    expect((await p.exited).code).toBe(0)
  })

  it('exits 1 with a clear message for a missing folder', async () => {
    const p = start(['serve', `${site.dir}-nope`, '--port', '0'])
    expect((await p.exited).code).toBe(1)
    expect(p.stderr()).toMatch(/no such directory/)
  })

  it('exits 1 with a clear message when the port is taken', async () => {
    const blocker = net.createServer()
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r))
    const port = (blocker.address() as net.AddressInfo).port
    try {
      const p = start(['serve', site.dir, '--port', String(port)])
      expect((await p.exited).code).toBe(1)
      expect(p.stderr()).toMatch(/address already in use/)
    } finally {
      blocker.close()
    }
  })

  it('exits 1 on an invalid port', async () => {
    const p = start(['serve', site.dir, '--port', 'abc'])
    expect((await p.exited).code).toBe(1)
    expect(p.stderr()).toMatch(/invalid port/)
  })
})

describe('swarmcdn tracker', () => {
  it('prints its ws URL and stops on SIGTERM', async () => {
    const p = start(['tracker', '--port', '0'])
    const m = await waitFor(p, /^swarmcdn: tracker at (ws:\/\/127\.0\.0\.1:(\d+)\/announce)$/m)
    const port = Number(m[2])
    const stats = await request(port, '/stats')
    expect(JSON.parse(stats.body.toString())).toMatchObject({ peers: 0, swarms: 0 })
    p.child.kill('SIGTERM')
    expect((await p.exited).code).toBe(0)
  })

  it('refuses a malformed --allow', async () => {
    const p = start(['tracker', '--port', '0', '--allow', 'xyz'])
    expect((await p.exited).code).toBe(1)
    expect(p.stderr()).toMatch(/invalid infohash/)
  })
})
