// `swarmcdn seed <dir> --origin URL`: a headless seeder (Node WebRTC) that
// keeps the site's current release alive in the swarm.
import { Command } from 'commander'
import { stat } from 'node:fs/promises'
import { stopOnSignals } from './run-until-signal.js'

interface SeedFlags {
  origin: string
  uploadLimit?: number
  iceServers: unknown[]
  quiet?: boolean
}

function parseRate (value: string): number {
  // Accepts plain bytes/s or a k/M suffix (1024-based), e.g. 512k, 2M.
  const m = /^(\d+(?:\.\d+)?)\s*([kKmM]?)(?:i?B)?(?:\/s)?$/.exec(value.trim())
  if (m === null) throw new Error(`--upload-limit: expected bytes per second such as 500000, 512k or 2M, got ${JSON.stringify(value)}`)
  const n = Number(m[1]) * (m[2] === '' ? 1 : /k/i.test(m[2]) ? 1024 : 1024 ** 2)
  if (n < 1) throw new Error('--upload-limit must be at least 1 byte per second')
  return Math.round(n)
}

function parseIce (value: string): unknown[] {
  let v: unknown
  try { v = JSON.parse(value) } catch { throw new Error(`--ice-servers: not JSON: ${value}`) }
  if (!Array.isArray(v)) throw new Error('--ice-servers: expected a JSON list of RTCIceServer, e.g. [{"urls":"stun:stun.example.com:3478"}]')
  return v
}

export function registerSeed (program: Command): void {
  program
    .command('seed')
    .description('seed the site\'s current release from its published folder, as a long-lived WebRTC peer; follows new releases until SIGTERM')
    .argument('<dir>', 'the published site folder (the one `swarmcdn publish` wrote into)')
    .requiredOption('--origin <url>', 'the site\'s URL, where swarmcdn.json is served')
    .option('--upload-limit <bytesPerSec>', 'upload at most this many bytes per second (e.g. 2M)', parseRate)
    .option('--ice-servers <json>', 'ICE servers for WebRTC, as on the page (data-ice-servers)', parseIce, [{ urls: 'stun:stun.l.google.com:19302' }])
    .option('-q, --quiet', 'only errors and warnings')
    .action(async (dir: string, flags: SeedFlags) => {
      const isDir = await stat(dir).then((s) => s.isDirectory(), () => false)
      if (!isDir) throw new Error(`${dir}: no such directory`)
      // Loaded here so the other commands never load webtorrent.
      const { Seeder } = await import('../seed/seeder.js')
      const log = flags.quiet === true ? () => {} : (msg: string) => { console.log(`swarmcdn: ${msg}`) }
      const seeder = await Seeder.start({
        dir,
        origin: flags.origin,
        iceServers: flags.iceServers,
        ...(flags.uploadLimit !== undefined ? { uploadLimit: flags.uploadLimit } : {}),
        log,
        warn: (msg) => { console.error(`swarmcdn: warning: ${msg}`) }
      })
      // First line after start is a contract: tests wait for it.
      console.log(`swarmcdn: seeder ready, release ${seeder.release?.infoHash ?? 'none'}`)
      stopOnSignals(() => seeder.stop())
    })
}
