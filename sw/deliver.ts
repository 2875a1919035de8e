// The delivery strategy for a manifest asset (Workbox's Strategy): plan the
// request in verification units, then ask each source in order, verified
// cache → peers → origin. Sources decide and stream; the keeper (keeper.ts)
// is the one place that verifies, stores, announces and counts.
import { fromCache } from './sources/cache.js'
import type { DeliveryContext } from './sources/context.js'
import { answersPlayer, isMediaRequest, passPlayerThrough, spendSwarmWait, swarmWaitLeft } from './sources/media.js'
import { fromOrigin } from './sources/origin.js'
import { fromOriginUnits, fromPeers } from './sources/peers.js'
import { plan, windowed } from './plan.js'
import { coveredInFlight } from './inflight.js'
import { CONSOLIDATE_MAX_BYTES, FIRST_BYTE_MS } from './config.js'

export type { DeliveryContext } from './sources/context.js'

/** Longest a player waits in all for the engine or its first peer (it holds a window of film meanwhile). */
const SWARM_WAIT_MS = 5000
const SWARM_POLL_MS = 250
/** Answers that mean the swarm is not there yet, as opposed to a peer failing. */
const SWARM_PENDING = new Set<string>(['no-leader', 'engine-not-ready', 'no-peer-has-it', 'leader-timeout'])

export async function deliver (ctx: DeliveryContext): Promise<Response> {
  const range = ctx.request.headers.get('range')
  const media = isMediaRequest(ctx.request)
  if (media && !(await answersPlayer(ctx.event.clientId, ctx.path, range))) return passPlayerThrough(ctx)
  // A player's open-ended Range gets one bounded window; it asks again from
  // the first byte it lacks. Explicit ranges and fetch() get all they ask.
  const p = media ? windowed(ctx.asset, plan(ctx.asset, range), range) : plan(ctx.asset, range)
  if (p.kind === 'unsatisfiable') return fromOrigin(ctx, false)
  const cached = await fromCache(ctx, p)
  if (cached) return cached
  // The same units on their way from peers for another request: wait for
  // them to be kept (no longer than a first unit may take), then the store.
  const inFlight = coveredInFlight(ctx.asset.integrity, p.u0, p.u1)
  if (inFlight) {
    let timer: ReturnType<typeof setTimeout> | undefined
    await Promise.race([inFlight, new Promise<void>((resolve) => { timer = setTimeout(resolve, FIRST_BYTE_MS) })])
    clearTimeout(timer)
    const merged = await fromCache(ctx, p)
    if (merged) return merged
  }
  let peer = await fromPeers(ctx, p)
  if (peer instanceof Response) return peer
  // A player past its first window, while the engine starts or has no peer
  // yet: it waits for the swarm (SWARM_WAIT_MS per player in all) rather
  // than read the film ahead from the origin meanwhile.
  const { clientId } = ctx.event
  if (media && p.u0 > 0 && SWARM_PENDING.has(peer) && swarmWaitLeft(clientId, ctx.path, SWARM_WAIT_MS) > 0) {
    const started = Date.now()
    const until = started + swarmWaitLeft(clientId, ctx.path, SWARM_WAIT_MS)
    while (typeof peer === 'string' && SWARM_PENDING.has(peer) && Date.now() < until && !ctx.request.signal?.aborted) {
      await new Promise((resolve) => setTimeout(resolve, SWARM_POLL_MS))
      peer = await fromPeers(ctx, p)
    }
    spendSwarmWait(clientId, ctx.path, SWARM_WAIT_MS, Date.now() - started)
    if (peer instanceof Response) return peer
  }
  // A Range or a large asset comes from the origin by bounded, block-aligned
  // Ranges, each asked for as the page reads and aborted when it stops. A
  // whole asset the Blob path holds comes in one request (origin.ts).
  if (ctx.asset.blocks && (p.partial || ctx.asset.size > CONSOLIDATE_MAX_BYTES)) return fromOriginUnits(ctx, p, peer)
  return fromOrigin(ctx, p.partial, peer)
}
