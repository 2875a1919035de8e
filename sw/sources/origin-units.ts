// The origin, unit by unit, by bounded Range: what peers and the fallback use
// for a blocked asset. Each request covers at most ORIGIN_WINDOW_UNITS
// block-aligned units and is asked for only when the page reads into it, so
// the origin never sends much more than the page reads; cancel() aborts the
// request in flight (a seek, a navigation), so nothing keeps downloading.
import type { ManifestAsset } from '../../src/shared/manifest.js'
import { unitBounds } from '../../src/shared/units.js'
import { STALL_MS } from '../config.js'
import { ExactReader } from '../exact-reader.js'
import { MEDIA_WINDOW_UNITS } from '../plan.js'
import { cacheable } from './cacheable.js'
import * as rates from '../rates.js'

/** Units per origin request: one media window (1 MiB of 256 KiB blocks). */
export const ORIGIN_WINDOW_UNITS = MEDIA_WINDOW_UNITS

export class OriginUnits {
  private readonly abort = new AbortController()
  private reader: ExactReader | null = null
  /** The next unit the open request yields, and the last it covers. */
  private at = -1
  private last = -1
  /** Whether the origin lets these bytes be kept (Cache-Control, Vary). */
  mayStore = true

  /** `windowUnits`: units per request at most (a hedge asks for what the peers will not send in one). */
  constructor (private readonly url: string, private readonly asset: ManifestAsset, private readonly lastUnit: number, private readonly windowUnits = ORIGIN_WINDOW_UNITS) {}

  /** Unit u's bytes; units are read in order. Throws when the origin fails or after cancel(). */
  async unit (u: number, onBytes?: (n: number) => void): Promise<Uint8Array<ArrayBuffer>> {
    if (!this.reader || u !== this.at || u > this.last) await this.open(u)
    const [a, b] = unitBounds(this.asset, u)
    const r = await this.reader!.read(b - a, STALL_MS * 5, STALL_MS * 5, onBytes)
    if (!(r instanceof Uint8Array)) throw new Error(`origin ${r} at unit ${u}`)
    this.at = u + 1
    return r
  }

  cancel (): void {
    this.reader?.cancel()
    this.abort.abort()
  }

  private async open (u: number): Promise<void> {
    this.reader?.cancel()
    const last = Math.min(this.lastUnit, u + this.windowUnits - 1)
    const from = unitBounds(this.asset, u)[0]
    const to = unitBounds(this.asset, last)[1]
    const asked = Date.now()
    const res = await fetch(this.url, { headers: { Range: `bytes=${from}-${to - 1}` }, credentials: 'same-origin', signal: this.abort.signal })
    rates.origin.latency(Date.now() - asked)
    if (!res.body || (res.status !== 206 && res.status !== 200)) {
      await res.body?.cancel().catch(() => {})
      throw new Error(`origin answered ${res.status}`)
    }
    this.mayStore &&= cacheable(res)
    const reader = new ExactReader(res.body.getReader())
    // An origin without Range support sends it all: skip to the unit (and
    // read on, since every later window would cost the same again).
    if (res.status === 200) {
      if (from > 0) {
        const skipped = await reader.read(from, STALL_MS * 5, STALL_MS * 5)
        if (!(skipped instanceof Uint8Array)) throw new Error('origin body ended early')
      }
      this.last = this.lastUnit
    } else {
      this.last = last
    }
    this.reader = reader
    this.at = u
  }
}
