// Helpers shared by the long-running commands (serve, tracker).

/** Upper bound on a clean stop; past it the process exits anyway. */
const STOP_DEADLINE_MS = 2000

/** On SIGINT/SIGTERM: stop, then exit 0 (or 1 if stopping failed), within STOP_DEADLINE_MS. */
export function stopOnSignals (stop: () => Promise<void>): void {
  let stopping = false
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopping) return
    stopping = true
    console.error(`swarmcdn: ${signal}, stopping`)
    setTimeout(() => {
      console.error('swarmcdn: stop took too long, exiting')
      process.exit(0)
    }, STOP_DEADLINE_MS).unref()
    stop().then(() => process.exit(0), (err: unknown) => {
      console.error(`swarmcdn: error while stopping: ${err instanceof Error ? err.message : String(err)}`)
      process.exit(1)
    })
  }
  process.once('SIGINT', onSignal)
  process.once('SIGTERM', onSignal)
}

/** commander reducer for repeatable options. */
export function collect (value: string, previous: string[]): string[] {
  return [...previous, value]
}

export function parseNonNegative (value: string): number {
  const n = Number(value)
  if (!Number.isFinite(n) || n < 0) throw new Error(`expected a non-negative number, got ${JSON.stringify(value)}`)
  return n
}
