// What this visitor measures of its sources, so each request goes where it
// finishes first (issue 13): the origin's time to first byte and throughput
// from the SW's own origin fetches, the peers' (through the leader) from the
// deliveries they make. A source's rate is its aggregate: bytes received
// while it had transfers in flight, over its recent busy time, so concurrent
// requests share it. Pure bookkeeping, unit-tested in test/unit/sw/rates.test.ts.

/** Busy time the rate looks back over: long enough to smooth a page's bursts, short enough to follow a link that changes. */
const WINDOW_MS = 1500
/** Bytes a source must have sent before its measured rate replaces the prior. */
const MIN_BYTES = 64 * 1024
/** Weight of a new latency sample. */
const LATENCY_ALPHA = 0.3

interface Sample { busy: number, bytes: number }

export class Meter {
  /** Transfers in flight. */
  active = 0
  /** Bytes asked of this source and not received yet. */
  queued = 0
  private busyMs = 0
  private busySince = 0
  private total = 0
  private samples: Sample[] = []
  private latencyMs: number | null = null

  constructor (private readonly priorRate: number, private readonly priorLatencyMs: number, private readonly now: () => number = () => Date.now()) {}

  /** A transfer of `bytes` starts: tell it what it receives, and when it ends (received or not). */
  begin (bytes: number): Transfer {
    if (this.active++ === 0) {
      this.busySince = this.now()
      // The busy period starts here: its first bytes are measured from now.
      this.samples.push({ busy: this.busyMs, bytes: this.total })
    }
    this.queued += bytes
    let left = bytes
    let ended = false
    return {
      received: (n) => {
        const k = Math.min(n, left)
        left -= k
        this.queued -= k
        this.received(n)
      },
      end: () => {
        if (ended) return
        ended = true
        this.queued -= left
        left = 0
        if (--this.active === 0) this.busyMs += this.now() - this.busySince
      }
    }
  }

  /**
   * Bytes chosen for this source before their transfer starts (the leader
   * answers first): queued from now, so the next request sees them, but
   * busy only from start(); cancel() if the transfer never starts. A
   * refusal thus never counts as busy time without bytes.
   */
  reserve (bytes: number): Reservation {
    this.queued += bytes
    let held = true
    const release = (): void => { if (held) { held = false; this.queued -= bytes } }
    return { start: () => { release(); return this.begin(bytes) }, cancel: release }
  }

  /** Bytes received from this source (any transfer). */
  received (n: number): void {
    this.total += n
    const busy = this.busyNow()
    this.samples.push({ busy, bytes: this.total })
    while (this.samples.length > 2 && busy - this.samples[1]!.busy > WINDOW_MS) this.samples.shift()
  }

  /** Time from asking to the first byte of an answer. */
  latency (ms: number): void {
    this.latencyMs = this.latencyMs === null ? ms : this.latencyMs + LATENCY_ALPHA * (ms - this.latencyMs)
  }

  /** Whether rate() is measured rather than the prior. */
  measured (): boolean { return this.rate() !== this.priorRate }

  /** Aggregate bytes per ms, measured once MIN_BYTES came in, else the prior. */
  rate (): number {
    const first = this.samples[0]
    const last = this.samples[this.samples.length - 1]
    if (!first || !last || this.total < MIN_BYTES) return this.priorRate
    const ms = last.busy - first.busy
    const bytes = last.bytes - first.bytes
    if (ms < 50 || bytes < MIN_BYTES / 2) return this.priorRate
    return bytes / ms
  }

  /** Measured latency (EWMA), else the prior. */
  firstByteMs (): number { return this.latencyMs ?? this.priorLatencyMs }

  /**
   * Ms from now until `bytes` more would arrive from this source, given what
   * is already queued on it: its latency, then the queue and these bytes at
   * its aggregate rate.
   */
  finishIn (bytes: number, queuedAhead = this.queued): number {
    return this.firstByteMs() + (queuedAhead + bytes) / this.rate()
  }

  private busyNow (): number {
    return this.busyMs + (this.active > 0 ? this.now() - this.busySince : 0)
  }
}

export interface Transfer { received: (n: number) => void, end: () => void }
export interface Reservation { start: () => Transfer, cancel: () => void }

/**
 * Priors, until this visitor has measured: either source at about 24 Mbit/s
 * with 100 ms to its first byte. Nothing says which is faster before a byte
 * moved, so the peers get a probe (PEER_PROBE_BYTES) of a fresh visitor's
 * first requests, and hedging corrects a wrong guess within one tick of a
 * measurement.
 */
export const origin = new Meter(3_000_000 / 1000, 100)
export const peers = new Meter(3_000_000 / 1000, 100)

/**
 * Peers keep a request while their projected finish is within this of the
 * origin's. Issue 13 bounds a page at 1.1 × its origin-only load + 250 ms;
 * a request may use most of that, and the rest is left for what no
 * projection sees. Without the margin a fast origin (a loopback one, a CDN
 * next door) would take every byte and the swarm would offload nothing.
 */
export const PEER_FACTOR = 1.1
export const PEER_SLACK_MS = 150

/** Whether the origin would finish clearly first: `originMs` and `peerMs` are projections from now. */
export function originClearlyFirst (originMs: number, peerMs: number): boolean {
  return peerMs > PEER_FACTOR * originMs + PEER_SLACK_MS
}

/**
 * Bytes a burst of requests (a page's parse-time requests) asks of peers
 * not measured yet, in all; the rest of the burst goes to the origin at once.
 * Before a byte moved nothing tells a loopback peer (25 MB/s) from one
 * behind a residential uplink (10 Mbit/s, 1.25 MB/s), and a wrong guess is
 * not symmetric: a burst given to a slow peer left the visitor's link idle
 * until the hedge had evidence, 100–300 ms in, then sent the same units
 * twice (bench/netns.js: 1.31–1.38 × the origin-only load, 0.26–0.43 MB of
 * the origin's 3.6 MB sent twice). A probe this size takes a 10 Mbit/s
 * uplink about 50 ms. A request made while nothing is asked of the peers
 * (a loader that fetches one asset after another, a player's next window)
 * is not capped: it measures them for what follows.
 */
export const PEER_PROBE_BYTES = 64 * 1024

/**
 * How many of a request's first units the peers are asked for: as many as
 * they would deliver, behind what they already have to send, about as soon
 * as the origin would deliver the whole request; while the peers are not
 * measured and already have bytes to send, no more than the probe in all.
 * `unitEnds[i]`: bytes from the request's first unit to the end of its unit
 * i. 0: the origin alone.
 */
export function peerUnits (unitEnds: number[], o: Meter = origin, p: Meter = peers): number {
  const originMs = o.finishIn(unitEnds[unitEnds.length - 1] ?? 0)
  const probe = p.measured() || p.queued === 0 ? Infinity : PEER_PROBE_BYTES - p.queued
  let k = unitEnds.length
  while (k > 0 && (unitEnds[k - 1]! > probe || originClearlyFirst(originMs, p.finishIn(unitEnds[k - 1]!)))) k--
  return k
}
