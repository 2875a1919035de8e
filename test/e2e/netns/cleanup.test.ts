// The emulated Internet leaves nothing behind (test/netns/net.mjs): a run
// stopped by SIGTERM deletes its namespaces (and with them every veth, NAT
// rule and qdisc, which live only inside them) on the way out, and the
// namespaces of a run killed with SIGKILL are deleted by the next run.
import { describe, it, expect } from 'vitest'
import { execFileSync, spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { netnsUnavailable, sweepStale } from '../../netns/net.mjs'

const unavailable = await netnsUnavailable()
if (unavailable !== null) console.warn(`emulated-network tests skipped: ${unavailable}`)

const NET = fileURLToPath(new URL('../../netns/net.mjs', import.meta.url))

/** Namespaces whose name starts with `prefix`. */
function namespaces (prefix: string): string[] {
  return execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' }).split('\n').map((l) => l.split(' ')[0]!).filter((n) => n.startsWith(prefix))
}

/** Alive and not a zombie waiting for its parent to reap it. */
function running (pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z'
  } catch {
    return false
  }
}

/** A node process that builds an Internet with one home (and a process in it), prints its prefix, then waits to be killed. */
async function startRun (): Promise<{ pid: number, prefix: string, kill: (sig: NodeJS.Signals) => Promise<void> }> {
  const script = `
    const { createInternet } = await import(${JSON.stringify(NET)})
    const net = await createInternet()
    const home = await net.addHome({ nat: 'symmetric', blockUdp: true })
    // A process inside the home, as a browser would be: the cleanup must end it.
    const { spawn } = await import('node:child_process')
    spawn('ip', ['netns', 'exec', home.ns, 'sleep', '600'], { stdio: 'ignore' })
    console.log(net.prefix)
    setInterval(() => {}, 1000)`
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] })
  const exited = new Promise<void>((resolve) => { child.once('exit', () => { resolve() }) })
  const prefix = await new Promise<string>((resolve, reject) => {
    let out = ''
    child.stdout!.on('data', (d: Buffer) => { out += d.toString(); if (out.includes('\n')) resolve(out.trim()) })
    child.once('exit', (code) => { reject(new Error(`exited ${code} before building`)) })
  })
  return { pid: child.pid!, prefix, kill: async (sig) => { child.kill(sig); await exited } }
}

describe.skipIf(unavailable !== null)('emulated Internet cleanup', () => {
  it('SIGTERM: the run deletes its namespaces and the processes in them', async () => {
    const run = await startRun()
    const made = namespaces(run.prefix)
    expect(made.length).toBe(3) // pub, router, home
    const inHome = execFileSync('ip', ['netns', 'pids', made.find((n) => n.endsWith('h1'))!], { encoding: 'utf8' }).trim()
    expect(inHome).not.toBe('')
    await run.kill('SIGTERM')
    expect(namespaces(run.prefix)).toEqual([])
    for (const pid of inHome.split('\n')) expect(running(Number(pid)), `process ${pid} in the home`).toBe(false)
  })

  it('SIGKILL: the next run deletes what the killed one left', async () => {
    const run = await startRun()
    await run.kill('SIGKILL')
    expect(namespaces(run.prefix).length).toBe(3)
    sweepStale()
    expect(namespaces(run.prefix)).toEqual([])
  })
})
