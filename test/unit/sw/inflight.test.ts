// Duplicate in-flight requests merged: a request whose units another delivery
// is fetching waits for it; one that needs a unit nobody fetches does not.
import { describe, expect, it } from 'vitest'
import { claimUnits, coveredInFlight } from '../../../sw/inflight.js'

describe('in-flight units', () => {
  it('waits only when other deliveries cover every unit, and until they end', async () => {
    expect(coveredInFlight('sha256-a', 0, 3)).toBeNull()
    const endA = claimUnits('sha256-a', 0, 1)
    const endB = claimUnits('sha256-a', 2, 5)
    expect(coveredInFlight('sha256-a', 1, 6)).toBeNull() // unit 6: nobody
    expect(coveredInFlight('sha256-b', 0, 0)).toBeNull() // another asset
    const wait = coveredInFlight('sha256-a', 1, 3)!
    let done = false
    void wait.then(() => { done = true })
    endA()
    await new Promise((r) => setTimeout(r, 0))
    expect(done).toBe(false) // still waiting on B
    endB()
    await wait
    expect(done).toBe(true)
    expect(coveredInFlight('sha256-a', 0, 0)).toBeNull() // nothing left in flight
  })
})
