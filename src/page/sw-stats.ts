// Asks the controlling service worker for its counters, with a deadline: a
// missed answer is a timeout for this call (no SW, a foreign SW, a busy SW).
import type { SwStats } from '../shared/protocol.js'

/** stats() never waits longer than this on the SW. */
const STATS_TIMEOUT_MS = 1000

export async function swStats (): Promise<SwStats | null> {
  const sw = navigator.serviceWorker?.controller
  if (!sw) return null
  const ch = new MessageChannel()
  const answer = new Promise<SwStats>((resolve) => { ch.port1.onmessage = (e) => resolve(e.data as SwStats) })
  sw.postMessage({ type: 'swarmcdn:stats', reply: ch.port2 }, [ch.port2])
  const r = await Promise.race([answer, new Promise<null>((resolve) => setTimeout(() => resolve(null), STATS_TIMEOUT_MS))])
  ch.port1.close()
  return r
}
