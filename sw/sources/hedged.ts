// One delivery's units, filled by whichever source gets them first (issue 13,
// BitTorrent's end game). The peers are asked for the first units they can
// deliver about as soon as the origin would deliver the whole request
// (peers.ts decides how many); the origin fetches the rest at once. While
// the peer stream fills its part in order, the delivery weighs its sources
// again every HEDGE_TICK_MS: as soon as the peers' projected finish falls
// clearly behind the origin's, the origin takes missing units from the back
// of the peers' part by a bounded, block-aligned Range, while the peers keep
// filling; when only the unit a peer is on is left, both race for it. Every
// unit passes the keeper before it counts; the first that verifies is used.
// Without a peer (or once it failed, or fell behind the page) the origin
// fills from the front once the page reads, at most FRONT_WINDOWS windows
// ahead of it. What to take and when is hedge-policy.ts's; this file
// streams and keeps.
import type { ManifestAsset } from '../../src/shared/manifest.js'
import type { ByteSource, FallbackReason } from '../../src/shared/protocol.js'
import { unitBounds } from '../../src/shared/units.js'
import { FIRST_BYTE_MS, STALL_MS } from '../config.js'
import { debug } from '../debug.js'
import type { ExactReader } from '../exact-reader.js'
import * as rates from '../rates.js'
import { AHEAD_UNITS, backWindow, FRONT_WINDOW_UNITS, FRONT_WINDOWS, frontWindow, HEDGE_TICK_MS, HEDGE_WINDOW_UNITS, originTakes, peerFinishMs, peerLateAt } from './hedge-policy.js'
import { OriginUnits } from './origin-units.js'

export interface Got { bytes: Uint8Array<ArrayBuffer>, from: ByteSource }
/**
 * The peers' stream of units u0..last, asked for at `askedAt`; `transfer`:
 * its bytes on the peers' meter, counted as queued from the moment they
 * were chosen (else from the stream's start).
 */
export interface PeerStream { reader: ExactReader, cancel: () => void, askedAt: number, last: number, transfer?: rates.Transfer }
/** Verifies (and keeps) a unit; origin bytes that fail still reach the page (a deploy in progress). */
export type Keep = (u: number, bytes: Uint8Array<ArrayBuffer>, from: ByteSource, mayStore: boolean) => Promise<boolean>

export class HedgedUnits {
  /** Verified units not yet read by the page. */
  private readonly got = new Map<number, Got>()
  /** Units verified from some source (read by the page, or waiting in `got`). */
  private readonly held = new Set<number>()
  private readonly waiters = new Map<number, Array<{ ok: (g: Got) => void, fail: (e: Error) => void }>>()
  /** Units the origin fetches or fetched. */
  private readonly claimed = new Set<number>()
  /** Last unit the peers were asked for (u0 - 1: none). */
  private readonly peerLast: number
  /** Next unit the peer stream yields; next unit the page reads. */
  private peerAt: number
  private readAt: number
  private peerAlive: boolean
  private peerBytes = 0
  private peerFirstAt: number | null = null
  private readonly origins = new Set<OriginUnits>()
  /** Origin windows in flight from the front (units the peers were never asked for, or can no longer send). */
  private frontBusy = 0
  /** Whether the page asked for a unit yet: nothing is fetched for a response nobody reads. */
  private asked = false
  private originFailed = false
  private stopped = false
  private timer: ReturnType<typeof setInterval> | null = null
  private roomWaiter: (() => void) | null = null
  /**
   * When the origin alone would have delivered the peers' part (with the
   * peers' margin): a peer that has not sent a byte by then is late whatever
   * its projection says, and the origin races it for what is left. Once
   * bytes flow, its own measured rate decides.
   */
  private lateAt = Infinity
  /** Why the peer stopped before delivering its first unit, if it did. */
  peerReason: FallbackReason | null = null

  constructor (
    private readonly url: string,
    private readonly asset: ManifestAsset,
    private readonly u0: number,
    private readonly u1: number,
    private readonly peer: PeerStream | null,
    private readonly keep: Keep
  ) {
    this.peerAt = u0
    this.readAt = u0
    this.peerAlive = peer !== null
    this.peerLast = peer ? Math.min(u1, peer.last) : u0 - 1
  }

  start (): void {
    if (this.peer) {
      this.lateAt = peerLateAt(this.peer.askedAt, this.bytesOf(this.u0, this.peerLast))
      void this.runPeer(this.peer)
    }
    this.timer = setInterval(() => this.hedge(), HEDGE_TICK_MS)
    this.hedge()
  }

  /** Unit u, verified, from whichever source had it first; units are read in order. */
  unit (u: number): Promise<Got> {
    this.readAt = u
    this.asked = true
    this.roomWaiter?.()
    const g = this.got.get(u)
    if (g) { this.got.delete(u); return Promise.resolve(g) }
    if (this.stopped) return Promise.reject(new Error('cancelled'))
    if (this.originFailed && (!this.peerAlive || u > this.peerLast)) return Promise.reject(new Error('no source left'))
    const p = new Promise<Got>((ok, fail) => {
      const list = this.waiters.get(u) ?? []
      list.push({ ok: (x) => { this.got.delete(u); ok(x) }, fail })
      this.waiters.set(u, list)
    })
    this.hedge()
    return p
  }

  /** Stops every source at once (a cancel by the page, or the delivery ended). */
  cancel (): void {
    if (this.stopped) return
    this.stopped = true
    if (this.timer) clearInterval(this.timer)
    this.stopPeer()
    for (const o of this.origins) o.cancel()
    this.roomWaiter?.()
    this.failWaiters(new Error('cancelled'))
    this.got.clear()
  }

  private missing (u: number): boolean { return !this.held.has(u) }
  private open (u: number): boolean { return !this.held.has(u) && !this.claimed.has(u) }

  private set (u: number, g: Got): void {
    if (this.stopped || !this.missing(u)) return
    this.held.add(u)
    const list = this.waiters.get(u)
    if (list) { this.waiters.delete(u); for (const w of list) w.ok(g) } else this.got.set(u, g)
    if (this.held.size === this.u1 - this.u0 + 1) {
      if (this.timer) clearInterval(this.timer)
      this.stopPeer()
    } else if (this.peerAlive && this.restClaimedFrom(this.peerAt)) {
      // Everything the peer has still to send is the origin's or here already.
      this.stopPeer()
    }
  }

  private failWaiters (err: Error): void {
    for (const list of this.waiters.values()) for (const w of list) w.fail(err)
    this.waiters.clear()
  }

  private restClaimedFrom (u: number): boolean {
    for (let v = u; v <= this.peerLast; v++) if (this.open(v)) return false
    return true
  }

  private stopPeer (): void {
    if (!this.peer || !this.peerAlive) return
    this.peerAlive = false
    this.peer.reader.cancel()
    this.peer.cancel()
  }

  private bytesOf (a: number, b: number): number {
    if (b < a) return 0
    return unitBounds(this.asset, b)[1] - unitBounds(this.asset, a)[0]
  }

  private async runPeer (peer: PeerStream): Promise<void> {
    const transfer = peer.transfer ?? rates.peers.begin(this.bytesOf(this.u0, this.peerLast))
    const onBytes = (n: number): void => {
      if (this.peerFirstAt === null) { this.peerFirstAt = Date.now(); rates.peers.latency(this.peerFirstAt - peer.askedAt) }
      this.peerBytes += n
      transfer.received(n)
    }
    try {
      for (let u = this.u0; u <= this.peerLast && this.peerAlive && !this.stopped; u++) {
        // A long answer: the peer stays at most AHEAD_UNITS ahead of the page.
        while (u - this.readAt >= AHEAD_UNITS && !this.stopped) await new Promise<void>((resolve) => { this.roomWaiter = resolve })
        const [a, b] = unitBounds(this.asset, u)
        const first = u === this.u0
        const r = await peer.reader.read(b - a, first ? FIRST_BYTE_MS : STALL_MS, STALL_MS, onBytes)
        if (this.stopped || !this.peerAlive) return
        if (!(r instanceof Uint8Array)) { this.peerFailed(u, r === 'timeout' ? (first ? 'first-byte-timeout' : 'stalled') : 'peer-length-mismatch'); return }
        this.peerAt = u + 1
        if (!this.missing(u)) {
          // The origin sent this unit first and the page has read past the
          // peer: all it streams next is held or on its way from the origin,
          // and it is the slower source. It stops; the origin goes on.
          if (this.peerAt < this.readAt) { this.stopPeer(); this.hedge(); return }
          continue
        }
        if (!(await this.keep(u, r, 'peer', true))) { this.peerFailed(u, 'peer-hash-mismatch'); return }
        this.set(u, { bytes: r, from: 'peer' })
      }
      this.stopPeer()
    } finally {
      transfer.end()
    }
  }

  private peerFailed (u: number, reason: FallbackReason): void {
    debug('peer failed, the origin fills the rest', this.url, u, reason)
    if (u === this.u0 && this.held.size === 0) this.peerReason = reason
    this.stopPeer()
    if (this.originFailed) this.failWaiters(new Error(`peer ${reason}, origin failed`))
    this.hedge()
  }

  /**
   * Starts the origin windows that are due: the units the peers were never
   * asked for (or can no longer send), then, while the origin would finish
   * its next window clearly before the peers finish what is left to them,
   * units from the back of the peers' part. Each window taken shortens the
   * peers' part and lengthens the origin's queue, so this settles in one pass.
   */
  private hedge (): void {
    while (!this.stopped && !this.originFailed) {
      const front = this.frontBusy >= (this.peerAlive ? 1 : FRONT_WINDOWS) ? null : this.frontWindow()
      if (front) { this.runOrigin(front[0], front[1], true); continue }
      if (!this.peerAlive) return
      const now = Date.now()
      const silent = this.peerFirstAt === null && now >= this.lateAt
      const open = (u: number): boolean => this.open(u)
      const back = backWindow(this.peerAt, Math.min(this.peerLast, this.readAt + AHEAD_UNITS - 1), open, silent)
      if (!back) return
      let left = 0
      for (let u = this.peerAt; u <= this.peerLast; u++) if (this.open(u)) left += this.bytesOf(u, u)
      const peerMs = peerFinishMs({ now, askedAt: this.peer!.askedAt, lateAt: this.lateAt, firstAt: this.peerFirstAt, bytes: this.peerBytes, left })
      if (peerMs === null || !originTakes(this.bytesOf(back[0], back[1]), peerMs)) return
      this.runOrigin(back[0], back[1], false)
    }
  }

  /**
   * Units no peer will send: past the peers' part, from the first open one
   * within what the page may hold ahead (in one request); once the peer is
   * gone, from the unit the page reads, at most FRONT_WINDOWS windows ahead
   * of it, so the next request is on its way while the page reads one.
   */
  private frontWindow (): [number, number] | null {
    if (!this.peerAlive && !this.asked) return null
    const from = this.peerAlive ? Math.max(this.readAt, this.peerLast + 1) : this.readAt
    const top = Math.min(this.u1, this.readAt + AHEAD_UNITS - 1)
    return frontWindow(from, top, (u) => this.open(u), this.peerAlive ? HEDGE_WINDOW_UNITS : FRONT_WINDOW_UNITS)
  }

  /** Claims units a..b for the origin at once, then fetches them by one bounded Range. */
  private runOrigin (a: number, b: number, front: boolean): void {
    if (front) this.frontBusy++
    for (let u = a; u <= b; u++) this.claimed.add(u)
    const origin = new OriginUnits(this.url, this.asset, b, b - a + 1)
    this.origins.add(origin)
    void this.fetchWindow(origin, a, b).finally(() => {
      if (front) this.frontBusy--
      this.hedge()
    })
  }

  private async fetchWindow (origin: OriginUnits, a: number, b: number): Promise<void> {
    const transfer = rates.origin.begin(this.bytesOf(a, b))
    try {
      for (let u = a; u <= b && !this.stopped; u++) {
        let rest = false
        for (let v = u; v <= b; v++) if (this.missing(v)) rest = true
        if (!rest) break
        const r = await origin.unit(u, (n) => transfer.received(n))
        if (this.stopped) return
        if (!this.missing(u)) continue
        await this.keep(u, r, 'origin', origin.mayStore)
        this.set(u, { bytes: r, from: 'origin' })
      }
    } catch (err) {
      if (this.stopped) return
      debug('origin window failed', this.url, a, b, err)
      this.originFailed = true
      for (let u = a; u <= b; u++) this.claimed.delete(u)
      // Units no peer will send fail for the page waiting on them.
      const e = err instanceof Error ? err : new Error(String(err))
      for (const [u, list] of [...this.waiters]) {
        if (this.peerAlive && u <= this.peerLast) continue
        this.waiters.delete(u)
        for (const w of list) w.fail(e)
      }
    } finally {
      transfer.end()
      origin.cancel()
      this.origins.delete(origin)
    }
  }
}
