// Streams a file body to a response, counting only bytes the socket accepted,
// optionally paced to a bandwidth (the benchmarks' "far origin").
import type { ServerResponse } from 'node:http'
import type { Readable } from 'node:stream'
import { once } from 'node:events'
import { setTimeout as sleep } from 'node:timers/promises'

/**
 * Slices written when pacing: small enough that a paced stream is smooth at a
 * few hundred KB/s, the same size as a BitTorrent block.
 */
const PACED_SLICE_BYTES = 16 * 1024

export interface PumpOptions {
  /** Called with the size of each chunk once the socket accepted it (write callback without error). */
  onSent: (bytes: number) => void
  /** Pace the body to this many bytes per second (each response on its own, like one link per client). */
  bytesPerSec?: number
  /** Aborted when the client goes away. */
  signal: AbortSignal
}

/**
 * Copies `src` into `res` with backpressure and ends the response. Bytes are
 * counted in each res.write() callback, i.e. after Node handed them to the
 * kernel: when a client aborts, what was still queued in user space is not
 * counted. Never throws: on a read error the response is destroyed (the
 * client sees a truncated body, which Content-Length makes detectable).
 */
export async function pumpBody (src: Readable, res: ServerResponse, opts: PumpOptions): Promise<void> {
  const { onSent, bytesPerSec, signal } = opts
  const paced = bytesPerSec !== undefined && bytesPerSec > 0
  const started = Date.now()
  let written = 0
  const write = async (chunk: Buffer): Promise<void> => {
    if (paced) {
      // Release byte N no earlier than N / rate after the first byte.
      const due = started + (written / bytesPerSec) * 1000 - Date.now()
      if (due > 0) await sleep(due, undefined, { signal })
    }
    written += chunk.length
    const ok = res.write(chunk, (err) => { if (err == null) onSent(chunk.length) })
    if (!ok && !signal.aborted) await once(res, 'drain', { signal })
  }
  try {
    for await (const data of src) {
      if (signal.aborted) break
      const chunk = data as Buffer
      if (!paced) {
        await write(chunk)
        continue
      }
      for (let i = 0; i < chunk.length && !signal.aborted; i += PACED_SLICE_BYTES) {
        await write(chunk.subarray(i, i + PACED_SLICE_BYTES))
      }
    }
    if (signal.aborted) {
      src.destroy()
      return
    }
    res.end()
  } catch (err) {
    src.destroy()
    if (!signal.aborted) res.destroy(err instanceof Error ? err : new Error(String(err)))
  }
}

/** An AbortSignal that fires when the response closes before it finished (client went away). */
export function abortOnClientClose (res: ServerResponse): AbortSignal {
  const ac = new AbortController()
  res.once('close', () => { if (!res.writableFinished) ac.abort() })
  return ac.signal
}
