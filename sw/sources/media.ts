// Players (<video>, <audio>) and where they started. Chromium's media loader
// refuses to mix origins for one element: a player that got its first bytes
// natively (a first visit, before the SW controlled the page) fails with a
// network error once the SW answers it with a built Response. A player's
// first request is always from byte 0; one that reaches the SW first from a
// later byte started outside it, and is passed through as the browser would.
// What the SW decided per player is kept in IndexedDB, so a player resumed
// after the browser stopped an idle SW is answered the same way.
import { get, set } from 'idb-keyval'
import { idbKey } from '../../src/shared/cache-keys.js'
import { plan, windowed } from '../plan.js'
import { countRequest } from '../stats.js'
import type { DeliveryContext } from './context.js'

declare const self: ServiceWorkerGlobalScope

/** Per scope: another swarmcdn site on the origin keeps its own (cache-keys.ts). */
const KEY = idbKey('players', self.registration.scope)
const MAX_PLAYERS = 1000

/** By client and path: whether this SW has answered that player from its start. */
const started = new Map<string, boolean>()
let loaded: Promise<void> | null = null

function load (): Promise<void> {
  loaded ??= get(KEY).then((saved: Array<[string, boolean]> | undefined) => {
    for (const [k, v] of saved ?? []) if (!started.has(k)) started.set(k, v)
  }).catch(() => { /* IndexedDB unavailable: memory only */ })
  return loaded
}

function remember (key: string, fromStart: boolean): void {
  if (started.size >= MAX_PLAYERS) started.delete(started.keys().next().value!)
  started.set(key, fromStart)
  set(KEY, [...started]).catch(() => {})
}

/**
 * The page reloads a player that started outside the SW once a peer holds its
 * film (src/engine/players.ts): this SW forgets how that player started, so
 * the element's next request, from byte 0, is answered here. Kept on disk
 * before the answer, so an SW restarted in between does not restore it.
 */
async function resetPlayers (clientId: string, paths: string[]): Promise<void> {
  await load()
  for (const p of paths) started.delete(`${clientId} ${p}`)
  await set(KEY, [...started]).catch(() => {})
}

self.addEventListener('message', (event) => {
  const msg = event.data as { type?: unknown, paths?: unknown, reply?: unknown } | null
  if (msg?.type !== 'swarmcdn:players-reset' || !(msg.reply instanceof MessagePort)) return
  const reply = msg.reply
  const id = event.source && 'id' in event.source ? event.source.id : null
  const paths = Array.isArray(msg.paths) ? msg.paths.filter((p): p is string => typeof p === 'string') : []
  if (!id || paths.length === 0) { reply.postMessage(false); return }
  event.waitUntil(resetPlayers(id, paths).then(() => reply.postMessage(true)))
})

/**
 * A player that started outside the SW, answered by the browser's own fetch
 * (a built Response would be a second origin to the player, see above), so
 * no source header. Its open-ended Range is bounded to one media window
 * (plan.ts windowed), as the SW's own answers are: the player asks again from
 * the first byte it lacks, and the origin never sends far past what it reads.
 * Its bytes never pass through the SW's code, so only the request is counted.
 */
export async function passPlayerThrough (ctx: DeliveryContext): Promise<Response> {
  countRequest('origin')
  const range = ctx.request.headers.get('range')
  const p = windowed(ctx.asset, plan(ctx.asset, range), range)
  if (p.kind !== 'bytes' || !p.partial || p.span.end >= ctx.asset.size) return await fetch(ctx.request)
  return await fetch(ctx.request.url, {
    headers: { Range: `bytes=${p.span.start}-${p.span.end - 1}` },
    credentials: ctx.request.credentials,
    signal: ctx.request.signal
  })
}

export function isMediaRequest (request: Request): boolean {
  return request.destination === 'video' || request.destination === 'audio'
}

/** Whether the SW may answer this player request itself (it saw the player start). */
export async function answersPlayer (clientId: string, path: string, rangeHeader: string | null): Promise<boolean> {
  const key = `${clientId} ${path}`
  const fromStart = rangeHeader === null || /^\s*bytes\s*=\s*0\s*-/i.test(rangeHeader)
  if (!started.has(key)) await load()
  const known = started.get(key)
  if (known !== undefined) return known
  remember(key, fromStart)
  return fromStart
}

/** What each player has left of its wait for the swarm (ms). */
const waitLeft = new Map<string, number>()

/**
 * How long this player may still wait for the swarm: SWARM_WAIT_MS in all,
 * spent by its windows past the first. The first window (metadata) is
 * answered at once from any source; the player then holds seconds of film,
 * while the engine that starts with the page, or its first peer, is usually
 * a moment away. A lone visitor pays the wait once per player.
 */
export function swarmWaitLeft (clientId: string, path: string, total: number): number {
  return waitLeft.get(`${clientId} ${path}`) ?? total
}

export function spendSwarmWait (clientId: string, path: string, total: number, spent: number): void {
  const key = `${clientId} ${path}`
  if (!waitLeft.has(key) && waitLeft.size >= MAX_PLAYERS) waitLeft.delete(waitLeft.keys().next().value!)
  waitLeft.set(key, Math.max(0, (waitLeft.get(key) ?? total) - spent))
}
