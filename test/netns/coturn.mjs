// coturn (Debian's turnserver) as STUN/TURN inside a namespace, on its own
// config file: time-limited credentials only (use-auth-secret), the way a
// site deploys it with `swarmcdn serve --turn-secret`.
import { spawn } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export const TURN_PORT = 3478
export const TURN_REALM = 'swarmcdn.test'

/**
 * Starts `turnserver` in namespace `ns`, listening and relaying on `address`.
 * Resolves once its relay ports are ready. `log()` returns what it logged so
 * far (with `verbose`, one line per ALLOCATE, success or 401).
 */
export async function startCoturn ({ ns, address, secret, port = TURN_PORT }) {
  const dir = await mkdtemp(join(tmpdir(), 'swarmcdn-coturn-'))
  const conf = join(dir, 'turnserver.conf')
  await writeFile(conf, [
    `listening-ip=${address}`,
    `relay-ip=${address}`,
    `listening-port=${port}`,
    'min-port=49152',
    'max-port=49999',
    `realm=${TURN_REALM}`,
    'use-auth-secret',
    `static-auth-secret=${secret}`,
    // Plain UDP and TCP only: TLS needs certificates the tests do not have.
    'no-tls',
    'no-dtls',
    'no-cli',
    'fingerprint',
    'log-file=stdout',
    'simple-log',
    'verbose',
    // Its own files: nothing under /var/lib/turn or /var/run.
    `pidfile=${join(dir, 'turnserver.pid')}`,
    `userdb=${join(dir, 'turndb')}`
  ].join('\n') + '\n')
  const proc = spawn('ip', ['netns', 'exec', ns, 'turnserver', '-c', conf], { stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  proc.stdout.on('data', (d) => { out += d })
  proc.stderr.on('data', (d) => { out += d })
  const exited = new Promise((resolve) => { proc.once('exit', resolve) })
  const close = async () => {
    if (proc.exitCode === null && proc.signalCode === null) {
      proc.kill('SIGTERM')
      const t = setTimeout(() => { proc.kill('SIGKILL') }, 2000)
      await exited
      clearTimeout(t)
    }
    await rm(dir, { recursive: true, force: true })
  }
  try {
    await new Promise((resolve, reject) => {
      const t = setTimeout(() => { reject(new Error(`coturn did not start in 10 s:\n${out}`)) }, 10_000)
      const check = () => {
        // Logged once the relay ports and the UDP and TCP listeners are bound.
        if (/Total General servers/.test(out)) { clearTimeout(t); resolve() }
      }
      proc.stdout.on('data', check)
      proc.once('exit', (code) => { clearTimeout(t); reject(new Error(`coturn exited ${code}:\n${out}`)) })
      check()
    })
  } catch (err) {
    await close()
    throw err
  }
  return {
    address,
    port,
    stun: `stun:${address}:${port}`,
    turnUdp: `turn:${address}:${port}?transport=udp`,
    turnTcp: `turn:${address}:${port}?transport=tcp`,
    log: () => out,
    /** ALLOCATE requests coturn accepted so far (one per relay a browser got). */
    allocations: () => (out.match(/ALLOCATE processed, success/g) ?? []).length,
    close
  }
}
