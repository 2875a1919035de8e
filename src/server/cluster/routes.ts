// Which process an offer came from, so that the answer to it finds its way
// back: (swarm, offering peer) → node. Bounded in size and in age.

/**
 * bittorrent-tracker's client gives up on an unanswered offer after 50 s
 * (OFFER_TIMEOUT in lib/client/websocket-tracker.js); an answer later than
 * that is useless, so is its route.
 */
export const ROUTE_TTL_MS = 60_000
/** Entries held at most: one per offer in flight; the oldest go first. */
export const MAX_ROUTES = 100_000

export class RouteBook {
  private readonly routes = new Map<string, { node: string, at: number }>()
  constructor (private readonly max = MAX_ROUTES, private readonly ttlMs = ROUTE_TTL_MS) {}

  set (infoHash: string, peerId: string, node: string, now = Date.now()): void {
    const key = `${infoHash}:${peerId}`
    // Re-inserting moves the key to the end of the Map's order (newest).
    this.routes.delete(key)
    this.routes.set(key, { node, at: now })
    while (this.routes.size > this.max) {
      const oldest = this.routes.keys().next().value
      if (oldest === undefined) break
      this.routes.delete(oldest)
    }
  }

  get (infoHash: string, peerId: string, now = Date.now()): string | null {
    const key = `${infoHash}:${peerId}`
    const r = this.routes.get(key)
    if (r === undefined) return null
    if (now - r.at > this.ttlMs) {
      this.routes.delete(key)
      return null
    }
    return r.node
  }

  get size (): number { return this.routes.size }
}
