// Players (<video>, <audio>) and where they started. Chromium's media loader
// refuses to mix origins for one element: a player that got its first bytes
// natively (a first visit, before the SW controlled the page) fails with a
// network error once the SW answers it with a built Response. A player's
// first request is always from byte 0; one that reaches the SW first from a
// later byte started outside it, and is passed through as the browser would.
// What the SW decided per player is kept in IndexedDB, so a player resumed
// after the browser stopped an idle SW is answered the same way.
import { get, set } from 'idb-keyval'

const KEY = 'swarmcdn:players'
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
