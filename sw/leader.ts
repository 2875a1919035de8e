// The SW's side of the leader tab: typed calls over a MessagePort, each with
// its own deadline, and nothing that can wait forever (webtorrent's own
// worker-server is the counter-example: a request there waits on a page that
// never answers). One slow answer is a timeout for that request only; the
// leader is dropped when it also misses a liveness ping, or its window is gone.
import type { EngineMethods, EngineNotes, FallbackReason, SwMethods, SwNotes } from '../src/shared/protocol.js'
import { RpcPeer, RpcRemoteError, RpcTimeout } from '../src/shared/rpc.js'
import { LEADER_ANSWER_MS, LEADER_LIVENESS_MS } from './config.js'
import { debug } from './debug.js'
import { noteUploaded } from './stats.js'

declare const self: ServiceWorkerGlobalScope

type Link = RpcPeer<SwMethods, EngineMethods, EngineNotes, SwNotes>

interface Chunked { controller: ReadableStreamDefaultController<Uint8Array> }

let rpc: Link | null = null
let leaderHash: string | null = null
/** The leader's window: a navigation or a closed tab ends it without a word on the port. */
let leaderClient: string | null = null
/** Peers the leader has connected (its own 'peers' notes); null until it says. */
let leaderPeers: number | null = null
let nextReq = 1
const chunked = new Map<number, Chunked>()
let serveLink: (link: Link, infoHash: string) => void = () => {}

/** Installs the SW's own methods (prefetched) on every new leader link. */
export function onLeaderLink (fn: (link: Link, infoHash: string) => void): void { serveLink = fn }

export function hasLeader (): boolean { return rpc !== null }

export function attachLeader (port: MessagePort, infoHash: string, clientId: string | null): void {
  if (rpc) rpc.close()
  const link: Link = new RpcPeer(port)
  rpc = link
  leaderHash = infoHash
  leaderClient = clientId
  leaderPeers = null
  debug('leader attached', infoHash)
  link.on('bye', () => { if (rpc === link) dropLeader() })
  link.on('peers', ({ n }) => { if (rpc === link) leaderPeers = n })
  link.on('uploaded', ({ bytes }) => { if (rpc === link) noteUploaded(bytes) })
  link.on('chunk', ({ req, data }) => chunked.get(req)?.controller.enqueue(new Uint8Array(data)))
  link.on('end', ({ req }) => { chunked.get(req)?.controller.close(); chunked.delete(req) })
  link.on('fail', ({ req, reason }) => { chunked.get(req)?.controller.error(new Error(reason)); chunked.delete(req) })
  serveLink(link, infoHash)
}

function dropLeader (): void {
  if (!rpc) return
  rpc.close()
  rpc = null
  leaderHash = null
  leaderClient = null
  for (const c of chunked.values()) c.controller.error(new Error('leader gone'))
  chunked.clear()
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

/** A slow answer: the leader stays if its message loop still answers a ping. */
function checkLiveness (link: Link): void {
  link.call('ping', {}, { timeoutMs: LEADER_LIVENESS_MS }).catch(() => {
    if (rpc !== link) return
    debug('leader missed a liveness ping, dropping it')
    dropLeader()
  })
}

/**
 * Whether peers of release `infoHash` may answer a request now, decided
 * without awaiting (the fetch handler must decide synchronously whether to
 * answer at all). A leader that has not said how many peers it has may have
 * some. No leader: the windows are asked for one, for the next request.
 */
export function peersMayAnswer (infoHash: string): boolean {
  if (!rpc) { summonLeader(); return false }
  return leaderHash === infoHash && leaderPeers !== 0
}

export interface LeaderStream { stream: ReadableStream<Uint8Array>, cancel: () => void }

/**
 * Asks the leader for bytes [start, end) of `path`. Resolves with a stream of
 * exactly those bytes (unverified: the caller verifies) or a reason to go to origin.
 */
export async function requestFromLeader (path: string, start: number, end: number, infoHash: string, signal?: AbortSignal): Promise<LeaderStream | FallbackReason> {
  // The checks that cost nothing come first: a request that will go to the
  // origin anyway pays no IPC to see whether the leader's window still exists.
  if (!rpc) { summonLeader(); return 'no-leader' }
  if (leaderHash !== infoHash) return 'release-mismatch'
  // Everything the leader holds itself is in the verified cache already.
  if (leaderPeers === 0) return 'no-peer-has-it'
  if (leaderClient && !(await self.clients.get(leaderClient))) dropLeader()
  const link = rpc
  if (!link) { summonLeader(); return 'no-leader' }
  const req = nextReq++
  let answer
  try {
    answer = await link.call('get', { req, path, start, end, infoHash }, { timeoutMs: LEADER_ANSWER_MS, signal })
  } catch (err) {
    if (err instanceof RpcTimeout) { checkLiveness(link); return 'leader-timeout' }
    if (err instanceof RpcRemoteError) { debug('engine error', err.message); return 'engine-error' }
    return 'no-leader'
  }
  const stop = (): void => { chunked.delete(req); link.notify('stop', { req }) }
  switch (answer.kind) {
    case 'no': return answer.reason
    case 'stream': return { stream: answer.stream, cancel: stop }
    case 'chunked': {
      const stream = new ReadableStream<Uint8Array>({ start: (controller) => { chunked.set(req, { controller }) }, cancel: stop })
      return { stream, cancel: stop }
    }
  }
}

/** The keeper stored these units: the engine may seed them. */
export function notifyKept (infoHash: string, keys: string[]): void {
  rpc?.notify('kept', { infoHash, keys })
}

/** The store evicted or lost these units. */
export function notifyDropped (keys: string[]): void {
  rpc?.notify('dropped', { keys })
}
