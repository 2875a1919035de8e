// The internals of pinned bittorrent-tracker 11.2.3 (server side) that the
// tracker and the Redis cluster rely on, checked in one place. bittorrent-tracker
// has no public API for any of these, so an upgrade could turn each use into a
// silent no-op (the message guard would simply stop guarding): instead the
// tracker refuses to start and says which target is missing, and
// test/unit/server/tracker-internals.test.ts fails on the installed version.
import TrackerServer from 'bittorrent-tracker/server'

/** Names of the internals used, for messages and tests. */
export const TRACKER_INTERNALS = [
  // Created synchronously by the announce filter (the get-then-create race).
  'Server.Swarm constructor',
  // Swarms by infohash: stats, empty-swarm pruning, cluster membership.
  'server.torrents map',
  // The WebSocket server we hand upgrades to (`ws: { noServer: true }`).
  'server.ws.handleUpgrade',
  // Per-socket message handler the tracker puts behind its checks.
  'socket.onMessageBound',
  // Swarm peers: an lru cache with `length`, `keys` and `peek`.
  'swarm.peers (length, keys, peek)',
  // Completed peers, reported as seeders.
  'swarm.complete',
  // What the 'connection' handler reads of the upgrade request it is given
  // (the tracker passes a stand-in with just these); checked by announcing
  // in test/unit/server/tracker-internals.test.ts.
  'upgradeReq (headers, connection.remoteAddress, connection.remotePort)'
] as const
export type TrackerInternal = typeof TRACKER_INTERNALS[number]

/** Internals missing from a constructed server (before any socket). */
export function missingServerInternals (server: InstanceType<typeof TrackerServer>): TrackerInternal[] {
  const missing: TrackerInternal[] = []
  if (typeof (TrackerServer as { Swarm?: unknown }).Swarm !== 'function') missing.push('Server.Swarm constructor')
  const s = server as unknown as { torrents?: unknown, ws?: { handleUpgrade?: unknown } }
  if (s.torrents === null || typeof s.torrents !== 'object') missing.push('server.torrents map')
  if (typeof s.ws?.handleUpgrade !== 'function') missing.push('server.ws.handleUpgrade')
  if (!missing.includes('Server.Swarm constructor')) {
    const swarm = new TrackerServer.Swarm('0'.repeat(40), server) as unknown as { peers?: { length?: unknown, keys?: unknown, peek?: unknown }, complete?: unknown }
    const p = swarm.peers
    if (p === undefined || typeof p.length !== 'number' || !Array.isArray(p.keys) || typeof p.peek !== 'function') missing.push('swarm.peers (length, keys, peek)')
    if (typeof swarm.complete !== 'number') missing.push('swarm.complete')
  }
  return missing
}

/** Throws a message naming every missing internal: the tracker must not run half-patched. */
export function assertServerInternals (server: InstanceType<typeof TrackerServer>): void {
  const missing = missingServerInternals(server)
  if (missing.length > 0) {
    throw new Error(`swarmcdn: the installed bittorrent-tracker lacks internals the tracker relies on (${missing.join(', ')}); it is pinned to 11.2.3`)
  }
}
