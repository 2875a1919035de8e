// The tracker cluster as `serve` and `tracker` start it: `--redis URL` given
// or not, with its Redis state changes on stderr and its relays counted in
// the process's metrics.
import type { Metrics } from '../metrics.js'
import { createClusterRelay, type ClusterRelay } from './relay.js'

export { createClusterRelay, DEFAULT_MEMBERSHIP_TTL_MS } from './relay.js'
export type { ClusterRelay, ClusterStatsJson, ClusterOptions } from './relay.js'
export { parseRedisUrl } from './redis-link.js'

export interface ClusterFlags {
  /** `redis://HOST:PORT`: share swarms with the other tracker processes using this Redis. */
  redis?: string
  /** How long a peer of a silent process stays listed (ms); default 30 s. */
  membershipTtlMs?: number
  quiet?: boolean
}

/** Undefined without `redis`; throws on a malformed URL (an unreachable one is reported and retried). */
export function clusterFor (flags: ClusterFlags, metrics: () => Metrics): ClusterRelay | undefined {
  if (flags.redis === undefined) return undefined
  return createClusterRelay({
    redis: flags.redis,
    ...(flags.membershipTtlMs !== undefined ? { membershipTtlMs: flags.membershipTtlMs } : {}),
    report: flags.quiet === true ? () => {} : (line) => { console.error(`swarmcdn: ${line}`) },
    onRelay: (kind, direction) => { metrics().clusterRelayed(kind, direction) },
    onDrop: (reason) => { metrics().clusterDropped(reason) }
  })
}
