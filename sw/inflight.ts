// Duplicate in-flight requests merged (helia's trustless gateway does the
// same): while one delivery fetches units of an asset from peers, a second
// request for units it covers waits for that delivery to keep them, then is
// served from the store, instead of asking the swarm for the same bytes again.
// Pure bookkeeping, unit-tested in test/unit/sw/inflight.test.ts.

interface Claim { u0: number, u1: number, done: Promise<void> }

const claims = new Map<string, Set<Claim>>()

/** Registers units u0..u1 of the asset `integrity` as being fetched; call the result when done. */
export function claimUnits (integrity: string, u0: number, u1: number): () => void {
  let finish!: () => void
  const claim: Claim = { u0, u1, done: new Promise<void>((resolve) => { finish = resolve }) }
  let set = claims.get(integrity)
  if (!set) claims.set(integrity, set = new Set())
  set.add(claim)
  return () => {
    set.delete(claim)
    if (!set.size) claims.delete(integrity)
    finish()
  }
}

/**
 * Resolves once other deliveries that together cover every unit u0..u1 have
 * ended, or null at once when some unit is not being fetched by anyone.
 */
export function coveredInFlight (integrity: string, u0: number, u1: number): Promise<void> | null {
  const set = claims.get(integrity)
  if (!set) return null
  const waits: Promise<void>[] = []
  for (let u = u0; u <= u1; u++) {
    const c = [...set].find((x) => x.u0 <= u && u <= x.u1)
    if (!c) return null
    if (!waits.includes(c.done)) waits.push(c.done)
  }
  return Promise.all(waits).then(() => {})
}

/** Whether any delivery is fetching units of the asset `integrity` now. */
export function anyInFlight (integrity: string): boolean { return claims.has(integrity) }
