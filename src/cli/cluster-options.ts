// --redis (the tracker cluster) and --metrics-* (who may read /metrics and
// the stats), shared by `serve` and `tracker`.
import { Option, type Command } from 'commander'
import { parseRedisUrl } from '../server/cluster/index.js'
import { DEFAULT_MEMBERSHIP_TTL_MS } from '../server/cluster/relay.js'
import { METRICS_TOKEN_ENV } from '../server/service-access.js'

export interface ClusterCliFlags {
  redis?: string
  redisTtl?: string
  metricsToken?: string
  metricsCors?: string
  metricsPerAsset?: boolean
}

export function addClusterOptions (cmd: Command): void {
  cmd
    .option('--redis <url>', 'share swarms with other tracker processes through this Redis (redis://HOST:PORT)')
    .option('--redis-ttl <seconds>', `how long the peers of a tracker process that stopped answering stay listed (default ${DEFAULT_MEMBERSHIP_TTL_MS / 1000})`)
    // The environment variable keeps the token out of `ps` and shell history.
    .addOption(new Option('--metrics-token <token>', 'require Authorization: Bearer <token> on /metrics and the stats endpoint').env(METRICS_TOKEN_ENV))
    .option('--metrics-cors <origin>', 'let this origin (or *) read /metrics and the stats endpoint from a web page (default: same origin only)')
    .option('--metrics-per-asset', 'also count origin bytes per manifest asset in /metrics (one series per asset)')
}

/** Flags → the cluster and access options of startServer/startTracker; bad values throw clear errors. */
export function clusterFromFlags (flags: ClusterCliFlags): { redis?: string, membershipTtlMs?: number, metricsToken?: string, metricsCors?: string, metricsPerAsset?: boolean } {
  if (flags.redis !== undefined) parseRedisUrl(flags.redis)
  let ttlMs: number | undefined
  if (flags.redisTtl !== undefined) {
    const s = /^\d+(\.\d+)?$/.test(flags.redisTtl) ? Number(flags.redisTtl) : NaN
    // Under 1 s, the ttl/3 re-scoring would be a busy loop; over a day, a dead process's peers linger for a day.
    if (!(s >= 1 && s <= 86_400)) throw new Error(`invalid --redis-ttl ${JSON.stringify(flags.redisTtl)}: seconds from 1 to 86400`)
    if (flags.redis === undefined) throw new Error('--redis-ttl needs --redis')
    ttlMs = Math.round(s * 1000)
  }
  return {
    ...(flags.redis !== undefined ? { redis: flags.redis } : {}),
    ...(ttlMs !== undefined ? { membershipTtlMs: ttlMs } : {}),
    ...(flags.metricsToken !== undefined ? { metricsToken: flags.metricsToken } : {}),
    ...(flags.metricsCors !== undefined ? { metricsCors: flags.metricsCors } : {}),
    ...(flags.metricsPerAsset === true ? { metricsPerAsset: true } : {})
  }
}
