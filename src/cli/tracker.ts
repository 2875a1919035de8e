// `swarmcdn tracker`: the WebSocket tracker alone.
import { setFlagsFromString } from 'node:v8'
import type { Command } from 'commander'
import { startTracker, MAX_CONNECTIONS } from '../server/index.js'
import { parsePort } from '../server/listen.js'
import { collect, stopOnSignals } from './run-until-signal.js'
import { addTurnOptions, turnFromFlags, type TurnFlags } from './turn-options.js'
import { addClusterOptions, clusterFromFlags, type ClusterCliFlags } from './cluster-options.js'

/**
 * V8 lets the old generation grow to a few times the live heap between full
 * collections. A tracker's live heap is its sockets (~5 KiB per peer), and
 * relayed offers (~1 KB SDPs) promoted while they wait on Redis fill the
 * rest: measured, a tracker with 10,000 peers held 15 KiB per peer, about
 * half of it garbage. Growing by 20 % at most keeps it at ~7 KiB per peer for
 * ~1/3 more CPU per announce (bench/RESULTS.md). The GC reads this at each
 * collection, so setting it at start takes effect. Only in this command: a
 * process that runs nothing but the tracker.
 */
const HEAP_GROWING_FLAG = '--heap-growing-percent=20'

interface TrackerFlags extends TurnFlags, ClusterCliFlags {
  port: number
  host: string
  allow: string[]
  dir?: string
  maxConnections?: number
}

export function registerTracker (program: Command): void {
  const cmd = program
    .command('tracker')
    .description('run the WebSocket tracker alone at ws://HOST:PORT/announce (stats at /stats, metrics at /metrics)')
    .option('-p, --port <port>', 'port to listen on (0 picks a free one)', parsePort, 8000)
    .option('-H, --host <host>', 'address to listen on', '127.0.0.1')
    .option('--allow <infohash>', 'admit only this infohash (repeatable); without --allow or --dir every infohash is admitted', collect, [])
    .option('--dir <dir>', 'admit the releases published in this site folder (follows its swarmcdn.json)')
    .option('--max-connections <n>', `concurrent visitor connections this process takes (default ${MAX_CONNECTIONS}; also bounded by the open-files limit, ulimit -n)`, parseMaxConnections)
  addTurnOptions(cmd)
  addClusterOptions(cmd)
  cmd
    .action(async (flags: TrackerFlags) => {
      // An operator's own setting (node flag or NODE_OPTIONS) wins.
      if (![...process.execArgv, process.env.NODE_OPTIONS ?? ''].some((a) => a.includes('--heap-growing-percent'))) setFlagsFromString(HEAP_GROWING_FLAG)
      const running = await startTracker({
        port: flags.port,
        host: flags.host,
        allow: flags.allow,
        ...(flags.dir !== undefined ? { dir: flags.dir } : {}),
        ...(flags.maxConnections !== undefined ? { maxConnections: flags.maxConnections } : {}),
        ...turnFromFlags(flags),
        ...clusterFromFlags(flags)
      })
      // One write: a reader that saw the first line has seen every URL.
      const lines = [`swarmcdn: tracker at ${running.url}`, `swarmcdn: stats   ${running.statsUrl}`, `swarmcdn: metrics ${running.metricsUrl}`]
      if (running.iceUrl !== null) lines.push(`swarmcdn: ice     ${running.iceUrl}`)
      console.log(lines.join('\n'))
      if (running.open) console.error('swarmcdn: warning: no --allow or --dir: every infohash is admitted')
      stopOnSignals(() => running.close())
    })
}

function parseMaxConnections (value: string): number {
  const n = /^\d+$/.test(value) ? Number(value) : NaN
  if (!(n >= 1 && n <= 1_000_000)) throw new Error(`invalid --max-connections ${JSON.stringify(value)}: a whole number from 1 to 1000000`)
  return n
}
