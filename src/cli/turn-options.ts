// --turn-secret / --turn-url / --turn-ttl, shared by `serve` and `tracker`:
// GET /swarmcdn/ice then mints time-limited TURN credentials (src/server/turn.ts).
import { Option, type Command } from 'commander'
import { DEFAULT_TURN_TTL_SECONDS, MAX_TURN_TTL_SECONDS } from '../server/turn.js'
import { collect } from './run-until-signal.js'

export interface TurnFlags {
  turnSecret?: string
  turnUrl: string[]
  turnTtl?: string
}

export function addTurnOptions (cmd: Command): void {
  cmd
    // The environment variable keeps the secret out of `ps` and shell history.
    .addOption(new Option('--turn-secret <secret>', "coturn's static-auth-secret (use-auth-secret): GET /swarmcdn/ice mints time-limited TURN credentials").env('SWARMCDN_TURN_SECRET'))
    .option('--turn-url <url>', 'TURN server visitors use, e.g. turn:turn.example.com:3478?transport=udp (repeatable; stun: URLs are listed too)', collect, [])
    .option('--turn-ttl <seconds>', `how long a minted credential works (default ${DEFAULT_TURN_TTL_SECONDS}, at most ${MAX_TURN_TTL_SECONDS})`)
}

/** Flags → the `turn` option of startServer/startTracker; validation (clear errors) is turnConfig's. */
export function turnFromFlags (flags: TurnFlags): { turn?: { secret: string, urls: string[], ttlSeconds?: number } } {
  if (flags.turnSecret === undefined && flags.turnUrl.length === 0 && flags.turnTtl === undefined) return {}
  let ttlSeconds: number | undefined
  if (flags.turnTtl !== undefined) {
    ttlSeconds = /^\d+$/.test(flags.turnTtl) ? Number(flags.turnTtl) : NaN
    if (!Number.isInteger(ttlSeconds)) throw new Error(`invalid --turn-ttl ${JSON.stringify(flags.turnTtl)}: whole seconds from 1 to ${MAX_TURN_TTL_SECONDS}`)
  }
  return { turn: { secret: flags.turnSecret ?? '', urls: flags.turnUrl, ...(ttlSeconds !== undefined ? { ttlSeconds } : {}) } }
}
