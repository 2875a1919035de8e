// One leader tab per origin runs the engine (Web Locks). The lock, or a request
// for it waiting in the queue, must be given up at once when the page goes
// away or the visitor opts out: Chromium keeps no page in the back/forward
// cache that holds or waits for a lock another page wants
// (`WebLocksContention`, issue 18), and a queued request must never start an
// engine after consent was withdrawn.
import { makeDebug } from '../shared/debug.js'

const debug = makeDebug('leader')
const LEADER_LOCK = 'swarmcdn-leader'

export class LeaderLock {
  /** One leader per scope: two swarmcdn sites on one origin (`/docs/`, `/blog/`) each have their own. */
  constructor (private readonly scope = '/') {}
  private abort: AbortController | null = null
  private release: (() => void) | null = null

  /** A request is queued or the lock is held. */
  get active (): boolean { return this.abort !== null }

  /**
   * Queues for the lock; once granted, runs `run` and holds the lock until
   * drop(). `run` gets a signal that is aborted by drop(), so work that
   * finishes after the lock was given up can undo itself.
   */
  request (run: (dropped: AbortSignal) => Promise<void>): void {
    if (this.abort) return
    const abort = this.abort = new AbortController()
    const held = new Promise<void>((resolve) => { this.release = resolve })
    const task = async (): Promise<void> => {
      if (abort.signal.aborted) return
      // The lock goes with drop(), not when `run` settles: an engine still
      // starting must not keep a page that is going away holding it.
      void run(abort.signal)
      await held
    }
    if (!navigator.locks) { void task(); return }
    const name = this.scope === '/' ? LEADER_LOCK : `${LEADER_LOCK} ${this.scope}`
    navigator.locks.request(name, { signal: abort.signal }, task)
      .catch((err: unknown) => { if ((err as Error)?.name !== 'AbortError') debug('leader lock failed', err) })
  }

  /** Gives up the lock, or withdraws the queued request, synchronously. */
  drop (): void {
    this.abort?.abort()
    this.abort = null
    this.release?.()
    this.release = null
  }
}
