// Work that can wait (hashing and caching origin bodies, re-checking the
// manifest) runs once the pages have stopped asking for things, so it never
// competes with a page's own loading: on a 2-core machine doing it inline made
// pages load 1.3-2.6x slower than without swarmcdn.

/** No fetch event for this long counts as quiet. */
const QUIET_MS = 300
/** Deferred work never waits longer than this, however busy the pages are. */
const MAX_DEFER_MS = 5000

let lastActivity = 0
const queue: Array<() => Promise<void>> = []
let running: Promise<void> | null = null

/** Called for every fetch event. */
export function noteActivity (): void { lastActivity = Date.now() }

/** Runs `task` once quiet (in order with other deferred work); resolves when it ran. */
export function whenQuiet (task: () => Promise<void>): Promise<void> {
  return new Promise<void>((resolve) => {
    queue.push(() => task().catch(() => {}).then(resolve))
    running ??= drain().finally(() => { running = null })
  })
}

async function drain (): Promise<void> {
  const since = Date.now()
  while (queue.length) {
    const idle = Date.now() - lastActivity
    if (idle < QUIET_MS && Date.now() - since < MAX_DEFER_MS) {
      await new Promise((r) => setTimeout(r, QUIET_MS - idle))
      continue
    }
    await queue.shift()!()
  }
}
