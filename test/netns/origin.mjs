// The real origin + tracker (`swarmcdn serve`, which is startServer) inside a
// namespace, on the public address. The test process stays in the machine's
// own network, which cannot reach the emulated one, so reads of the origin's
// counters go through a short-lived node inside the namespace.
import { execFile, spawn } from 'node:child_process'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'

const run = promisify(execFile)
const ROOT = fileURLToPath(new URL('../..', import.meta.url))
export const CLI = join(ROOT, 'bin', 'swarmcdn.js')

/** Runs `node -e <script>` inside `ns`; resolves its stdout. */
async function nodeIn (ns, script, args = []) {
  const { stdout } = await run('ip', ['netns', 'exec', ns, process.execPath, '--input-type=module', '-e', script, ...args], { encoding: 'utf8' })
  return stdout
}

/** GET or POST `url` from inside `ns`; resolves { status, body }. */
export async function fetchIn (ns, url, method = 'GET') {
  const out = await nodeIn(ns, 'const r = await fetch(process.argv[1], { method: process.argv[2] }); process.stdout.write(JSON.stringify({ status: r.status, body: await r.text() }))', [url, method])
  return JSON.parse(out)
}

/**
 * `swarmcdn serve <dir> --host <address> --port 0 --allow-stats-reset [...extra]`
 * in namespace `ns`; resolves once it printed its URL line.
 */
export async function startOrigin ({ ns, dir, address, extraArgs = [] }) {
  const proc = spawn('ip', ['netns', 'exec', ns, process.execPath, CLI, 'serve', dir, '--host', address, '--port', '0', '--allow-stats-reset', ...extraArgs], { stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  let err = ''
  proc.stderr.on('data', (d) => { err += d })
  const exited = new Promise((resolve) => { proc.once('exit', resolve) })
  const url = await new Promise((resolve, reject) => {
    const t = setTimeout(() => { proc.kill('SIGKILL'); reject(new Error(`swarmcdn serve printed no URL in 15 s: ${err}`)) }, 15_000)
    proc.stdout.on('data', (d) => {
      out += d
      const m = /swarmcdn: serving .* at (http:\/\/\S+\/)/.exec(out)
      if (m) { clearTimeout(t); resolve(m[1]) }
    })
    proc.once('exit', (code) => { clearTimeout(t); reject(new Error(`swarmcdn serve exited ${code}: ${err}`)) })
  })
  return {
    url,
    /** The origin as a browser's secure-context flag needs it: `http://ADDR:PORT`. */
    origin: new URL(url).origin,
    stdout: () => out,
    stderr: () => err,
    stats: async () => JSON.parse((await fetchIn(ns, new URL('swarmcdn/stats', url).href)).body),
    reset: async () => {
      const r = await fetchIn(ns, new URL('swarmcdn/stats/reset', url).href, 'POST')
      if (r.status !== 204) throw new Error(`stats reset: HTTP ${r.status}`)
    },
    close: async () => {
      if (proc.exitCode !== null || proc.signalCode !== null) return
      proc.kill('SIGTERM')
      const t = setTimeout(() => { proc.kill('SIGKILL') }, 3000)
      await exited
      clearTimeout(t)
    }
  }
}
