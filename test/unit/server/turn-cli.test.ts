// `swarmcdn serve|tracker --turn-*` as processes: bad input exits 1 with a
// clear message before listening; good input prints the ice URL, which mints.
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { spawn, type ChildProcess } from 'node:child_process'
import { createHmac } from 'node:crypto'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { makeSite, request, type Site } from './helpers.js'

const bin = fileURLToPath(new URL('../../../bin/swarmcdn.js', import.meta.url))

interface Result { code: number | null, stdout: string, stderr: string }


/** Runs the CLI until it exits. */
function run (args: string[], env: Record<string, string> = {}): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, SWARMCDN_TURN_SECRET: '', ...env } })
    let stdout = ''
    let stderr = ''
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`no exit in 10 s: ${stdout} ${stderr}`)) }, 10_000)
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString() })
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString() })
    child.on('exit', (code) => { clearTimeout(timer); resolve({ code, stdout, stderr }) })
  })
}

/** Starts a long-running command and resolves once stdout matches `re`, with a stop function. */
function start (args: string[], env: Record<string, string>, re: RegExp): Promise<{ match: RegExpMatchArray, child: ChildProcess }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } })
    let stdout = ''
    let stderr = ''
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`no ${re} in 10 s: ${stdout} ${stderr}`)) }, 10_000)
    child.stderr!.on('data', (d: Buffer) => { stderr += d.toString() })
    child.stdout!.on('data', (d: Buffer) => {
      stdout += d.toString()
      const m = re.exec(stdout)
      if (m) { clearTimeout(timer); resolve({ match: m, child }) }
    })
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`exited ${code}: ${stderr}`)) })
  })
}

let site: Site
beforeAll(async () => {
  if (!existsSync(new URL('../../../dist/cli.js', import.meta.url))) throw new Error('dist/cli.js is missing: run `npm run build` before these tests')
  site = await makeSite({ '/index.html': '<h1>turn</h1>' })
})
afterAll(async () => { await site?.cleanup() })

describe('--turn-* on the command line', () => {
  it.each([
    [['--turn-url', 'turn:t.example:3478'], /--turn-url needs --turn-secret/],
    [['--turn-secret', 's'], /--turn-secret needs at least one --turn-url/],
    [['--turn-secret', 's', '--turn-url', 'http://t.example'], /invalid --turn-url "http:\/\/t.example"/],
    [['--turn-secret', 's', '--turn-url', 'turn:t.example', '--turn-ttl', 'soon'], /invalid --turn-ttl "soon"/],
    [['--turn-secret', 's', '--turn-url', 'turn:t.example', '--turn-ttl', '0'], /invalid --turn-ttl "0"/]
  ])('serve %j: exit 1, %s', async (flags, message) => {
    const r = await run(['serve', site.dir, '--port', '0', ...flags])
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(message)
    expect(r.stdout).not.toMatch(/serving/)
  })

  it('tracker refuses the same bad input', async () => {
    const r = await run(['tracker', '--port', '0', '--turn-secret', 's'])
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/--turn-secret needs at least one --turn-url/)
  })

  it('serve takes the secret from SWARMCDN_TURN_SECRET and prints the ice URL, which mints', async () => {
    const { match, child } = await start(['serve', site.dir, '--port', '0', '--turn-url', 'turn:t.example:3478?transport=tcp'], { SWARMCDN_TURN_SECRET: 'from-env' }, /swarmcdn: ice {5}http:\/\/127\.0\.0\.1:(\d+)\/swarmcdn\/ice/)
    try {
      const r = await request(Number(match[1]), '/swarmcdn/ice')
      expect(r.status).toBe(200)
      const ice = JSON.parse(r.body.toString()) as { iceServers: Array<{ urls: string[], username: string, credential: string }> }
      const turn = ice.iceServers[0]!
      expect(turn.urls).toEqual(['turn:t.example:3478?transport=tcp'])
      expect(turn.credential).toBe(createHmac('sha1', 'from-env').update(turn.username).digest('base64'))
    } finally {
      child.kill('SIGTERM')
    }
  })
})
