// The SW's side of the leader tab: a MessagePort to the engine, requests with
// deadlines, and nothing that can wait forever (webtorrent's own worker-server
// is the counter-example: a request there waits on a page that never answers).
import type { EngineToSw, FallbackReason, SwToEngine } from '../src/shared/protocol.js'
import { LEADER_ANSWER_MS } from './config.js'
import { debug } from './debug.js'

declare const self: ServiceWorkerGlobalScope

interface Pending {
  settle: (r: ReadableStream<Uint8Array> | FallbackReason) => void
  /** Chunked fallback: the controller of the stream we build from chunk messages. */
  chunks?: ReadableStreamDefaultController<Uint8Array>
}

let port: MessagePort | null = null
let leaderHash: string | null = null
/** The leader's window: a navigation or a closed tab ends it without a word on the port. */
let leaderClient: string | null = null
/** Peers the leader has connected (its own 'peers' messages); null until it says. */
let leaderPeers: number | null = null
let nextId = 1
const pending = new Map<number, Pending>()
let onPrefetched: ((path: string, infoHash: string, data: ArrayBuffer) => void) | null = null

export function setPrefetchHandler (fn: (path: string, infoHash: string, data: ArrayBuffer) => void): void { onPrefetched = fn }

export function hasLeader (): boolean { return port !== null }

export function attachLeader (p: MessagePort, infoHash: string, clientId: string | null): void {
  if (port && port !== p) port.close()
  port = p
  leaderHash = infoHash
  leaderClient = clientId
  leaderPeers = null
  debug('leader attached', infoHash)
  p.onmessage = (e: MessageEvent<EngineToSw>) => onEngineMessage(e.data)
  p.start()
}

function dropLeader (): void {
  if (!port) return
  port.close()
  port = null
  leaderHash = null
  leaderClient = null
  for (const [id, p] of pending) { p.settle('leader-timeout'); p.chunks?.error(new Error('leader gone')); pending.delete(id) }
}

function onEngineMessage (msg: EngineToSw): void {
  if (msg.t === 'prefetched') { onPrefetched?.(msg.path, msg.infoHash, msg.data); return }
  if (msg.t === 'pong') return
  if (msg.t === 'bye') { dropLeader(); return }
  if (msg.t === 'peers') { leaderPeers = msg.n; return }
  const p = pending.get(msg.id)
  if (!p) return
  switch (msg.t) {
    case 'no':
      pending.delete(msg.id)
      p.settle(msg.reason)
      break
    case 'stream':
      pending.delete(msg.id)
      p.settle(msg.stream)
      break
    case 'chunk':
      if (!p.chunks) {
        const stream = new ReadableStream<Uint8Array>({ start: (c) => { p.chunks = c } })
        p.settle(stream)
      }
      p.chunks!.enqueue(new Uint8Array(msg.data))
      break
    case 'end':
      pending.delete(msg.id)
      if (!p.chunks) p.settle(new ReadableStream({ start: (c) => c.close() }))
      else p.chunks.close()
      break
    case 'error':
      pending.delete(msg.id)
      p.settle(msg.reason)
      p.chunks?.error(new Error(msg.reason))
      break
  }
}

function post (msg: SwToEngine, transfer: Transferable[] = []): void {
  port?.postMessage(msg, transfer)
}

/**
 * Asking the windows to attach a leader costs an IPC round trip; a page
 * loading its assets would pay it on every request. Ask at most this often.
 */
const SUMMON_INTERVAL_MS = 2000
let lastSummon = 0

/** After an SW restart the leader is alive but we forgot its port: ask the windows, without waiting. */
function summonLeader (): void {
  if (Date.now() - lastSummon < SUMMON_INTERVAL_MS) return
  lastSummon = Date.now()
  void self.clients.matchAll({ type: 'window' }).then((clients) => {
    for (const c of clients) c.postMessage({ type: 'swarmcdn:need-leader' })
  }).catch(() => {})
}

/** Whether a live leader is attached; a request without one goes to the origin at once. */
async function liveLeader (): Promise<boolean> {
  if (port && leaderClient) {
    // The leader's page navigated away or closed: never post into the void.
    if (!(await self.clients.get(leaderClient))) dropLeader()
  }
  if (port) return true
  summonLeader()
  return false
}

/**
 * Asks the leader for bytes [start, end) of `path`. Resolves with a stream of
 * exactly those bytes (unverified: the caller verifies) or a reason to go to origin.
 */
export async function requestFromLeader (path: string, start: number, end: number, infoHash: string): Promise<{ stream: ReadableStream<Uint8Array>, cancel: () => void } | FallbackReason> {
  // The checks that cost nothing come first: a request that will go to the
  // origin anyway pays no IPC to see whether the leader's window still exists.
  if (!port) { summonLeader(); return 'no-leader' }
  if (leaderHash !== infoHash) return 'release-mismatch'
  // Everything the leader holds itself is in the verified cache already.
  if (leaderPeers === 0) return 'no-peer-has-it'
  if (!(await liveLeader())) return 'no-leader'
  const id = nextId++
  const answer = new Promise<ReadableStream<Uint8Array> | FallbackReason>((resolve) => {
    pending.set(id, { settle: resolve })
  })
  post({ t: 'get', id, path, start, end, infoHash })
  let timer: ReturnType<typeof setTimeout> | undefined
  const timeout = new Promise<FallbackReason>((resolve) => { timer = setTimeout(() => resolve('leader-timeout'), LEADER_ANSWER_MS) })
  const r = await Promise.race([answer, timeout])
  clearTimeout(timer)
  if (r === 'leader-timeout') {
    // A leader that does not answer from memory within the deadline is closed
    // or frozen; forget it so the next request asks the windows again.
    pending.delete(id)
    debug('leader silent, dropping it')
    dropLeader()
    return r
  }
  if (typeof r === 'string') return r
  return { stream: r, cancel: () => { pending.delete(id); post({ t: 'cancel', id }) } }
}

export function notifyHave (path: string, infoHash: string): void {
  post({ t: 'have', path, infoHash })
}

export function notifyStored (path: string, ok: boolean): void {
  post({ t: 'stored', path, ok })
}
