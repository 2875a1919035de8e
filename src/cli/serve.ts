// `swarmcdn serve <dir>`: origin + tracker + stats + metrics on one port.
import { Command, Option } from 'commander'
import { basename, dirname, join, resolve } from 'node:path'
import { startServer } from '../server/index.js'
import { parsePort } from '../server/listen.js'
import { collect, parseNonNegative, stopOnSignals } from './run-until-signal.js'
import { addTurnOptions, turnFromFlags, type TurnFlags } from './turn-options.js'
import { addClusterOptions, clusterFromFlags, type ClusterCliFlags } from './cluster-options.js'

interface ServeFlags extends TurnFlags, ClusterCliFlags {
  port: number
  host: string
  allow: string[]
  allowStatsReset?: boolean
  dataDir?: string
  accessLog?: string
  latencyMs?: number
  bandwidth?: number
}

export function registerServe (program: Command): void {
  const cmd = program
    .command('serve')
    .description('serve a published site folder: static files with Range/ETag, the WebSocket tracker at /announce, stats at /swarmcdn/stats, metrics at /metrics')
    .argument('<dir>', 'site folder (the one `swarmcdn publish` wrote into)')
    .option('-p, --port <port>', 'port to listen on (0 picks a free one)', parsePort, 8080)
    .option('-H, --host <host>', 'address to listen on', '127.0.0.1')
    .option('--allow <infohash>', 'also admit this infohash on the tracker (repeatable)', collect, [])
    .option('--allow-stats-reset', 'enable POST /swarmcdn/stats/reset (for benchmarks)')
    .option('--access-log <file>', 'append a combined-format access log line per request to this file')
    .option('--data-dir <dir>', 'where the per-minute history is kept (history.sqlite); default: a file next to <dir>')
  addTurnOptions(cmd)
  addClusterOptions(cmd)
  cmd
    // Benchmark knobs (a "far origin"), kept out of --help.
    .addOption(new Option('--latency-ms <ms>', 'delay each static response by this many ms').argParser(parseNonNegative).hideHelp())
    .addOption(new Option('--bandwidth <bytesPerSec>', 'pace each static response to this many bytes/s').argParser(parseNonNegative).hideHelp())
    .action(async (dir: string, flags: ServeFlags) => {
      const running = await startServer({
        dir,
        port: flags.port,
        host: flags.host,
        allow: flags.allow,
        resetStats: flags.allowStatsReset === true,
        historyFile: historyFile(dir, flags.dataDir),
        ...(flags.accessLog !== undefined ? { accessLog: flags.accessLog } : {}),
        ...turnFromFlags(flags),
        ...clusterFromFlags(flags),
        ...(flags.latencyMs !== undefined ? { latencyMs: flags.latencyMs } : {}),
        ...(flags.bandwidth !== undefined ? { bandwidthBytesPerSec: flags.bandwidth } : {})
      })
      // First line is a contract: tests and benches parse it for the port. The
      // banner goes out in one write, so a reader that saw its first line has
      // seen every URL (separate writes reach a pipe as separate chunks).
      const lines = [
        `swarmcdn: serving ${dir} at ${running.url}`,
        `swarmcdn: tracker ${running.trackerUrl}`,
        `swarmcdn: stats   ${running.statsUrl}`,
        `swarmcdn: metrics ${running.metricsUrl}`
      ]
      if (running.iceUrl !== null) lines.push(`swarmcdn: ice     ${running.iceUrl}`)
      if (flags.allowStatsReset === true) lines.push(`swarmcdn: stats reset POST ${running.statsUrl}/reset`)
      console.log(lines.join('\n'))
      stopOnSignals(() => running.close())
    })
}

/** `--data-dir D` → D/history.sqlite; default `<parent>/<name>.swarmcdn-history.sqlite`, beside the site and never served. */
export function historyFile (dir: string, dataDir: string | undefined): string {
  if (dataDir !== undefined) return join(resolve(dataDir), 'history.sqlite')
  const site = resolve(dir)
  return join(dirname(site), `${basename(site)}.swarmcdn-history.sqlite`)
}
