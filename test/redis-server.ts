// A real Redis (Debian's redis-server) on a free port, for the tracker
// cluster's tests and benchmark: no persistence, gone when stopped.
import { spawn, type ChildProcess } from 'node:child_process'
import { createServer } from 'node:net'

export interface RedisProcess {
  port: number
  url: string
  /** Stops it (SIGKILL: Redis "going away" as a crash would). */
  stop: () => Promise<void>
  /** Starts it again on the same port, empty. */
  restart: () => Promise<void>
}

/** A port nobody listens on right now. */
export async function freePort (): Promise<number> {
  return await new Promise((resolve, reject) => {
    const s = createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const a = s.address()
      s.close(() => { resolve(typeof a === 'object' && a !== null ? a.port : 0) })
    })
  })
}

function launch (port: number): Promise<ChildProcess> {
  const bin = process.env.SWARMCDN_REDIS_SERVER ?? 'redis-server'
  const child = spawn(bin, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'pipe'] })
  return new Promise((resolve, reject) => {
    let out = ''
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`redis-server did not start on ${port}: ${out}`)) }, 10_000)
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString()
      if (out.includes('Ready to accept connections')) {
        clearTimeout(timer)
        resolve(child)
      }
    })
    child.once('error', (err) => { clearTimeout(timer); reject(new Error(`cannot run ${bin}: ${err.message} (apt-get install redis-server)`)) })
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`redis-server exited (${code}): ${out}`)) })
  })
}

export async function startRedis (): Promise<RedisProcess> {
  const port = await freePort()
  let child: ChildProcess | null = await launch(port)
  const stop = async (): Promise<void> => {
    const c = child
    child = null
    if (c === null || c.exitCode !== null) return
    await new Promise<void>((resolve) => {
      c.once('exit', () => { resolve() })
      c.kill('SIGKILL')
    })
  }
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    stop,
    async restart () {
      await stop()
      child = await launch(port)
    }
  }
}
