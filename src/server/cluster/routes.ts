// Which process an offer came from, so that the answer to it finds its way
// back: (swarm, offering peer) → node. Bounded in size and in age: expired
// routes are dropped as new ones come, so the book holds about one TTL's worth
// of offers, not MAX_ROUTES of them.

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
    // The Map is in insertion order, so oldest first: drop the expired ones
    // (answered or not, a route is useless after its TTL), then any past the cap.
    for (const [k, r] of this.routes) {
      if (this.routes.size <= this.max && now - r.at <= this.ttlMs) break
      this.routes.delete(k)
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
