// Several tracker processes acting as one tracker, through Redis.
//
// Each process keeps its own visitors' WebSockets and runs bittorrent-tracker
// for them, as a single tracker does. Redis adds two things:
//  - membership: one sorted set per swarm, `<node>:<peer_id>` members scored
//    by the time they expire. A process re-scores its own peers every ttl/3,
//    so the peers of a process that dies leave the set within one TTL;
//  - routing: an announce's offers go to peers drawn at random from the whole
//    swarm (ZRANDMEMBER). Offers for this process's peers go through
//    bittorrent-tracker unchanged; the others are published on the owning
//    process's own channel, and the answers come back the same way.
// Why pub/sub and not streams: docs/tracker-cluster.md.
import { randomBytes } from 'node:crypto'
import type { TrackerSocket, default as TrackerServer } from 'bittorrent-tracker/server'
import { debug } from '../debug.js'
import { encodeClusterMessage, parseClusterMessage, type ClusterMessage, type DropReason } from './messages.js'
import { openRedisLink, parseRedisUrl, type LinkState, type RedisLink } from './redis-link.js'
import { RouteBook } from './routes.js'
import { sample } from './sample.js'

const log = debug('cluster')

/**
 * How long a peer stays in the shared membership without being re-scored.
 * bittorrent-tracker's WebSocket clients re-announce every 2 minutes, but the
 * process holding the socket re-scores its peers every ttl/3, so this only
 * bounds how long a dead process's peers linger: 30 s, a few failed offers.
 */
export const DEFAULT_MEMBERSHIP_TTL_MS = 30_000
/** Commands per pipeline when a process re-scores all its peers. */
const REFRESH_BATCH = 500

export type RelayKind = 'offer' | 'answer'
export type RelayDirection = 'sent' | 'received'

export interface ClusterStatsJson {
  /** This process's id in the cluster. */
  node: string
  redis: LinkState
  offersSent: number
  offersReceived: number
  answersSent: number
  answersReceived: number
  /** Cross-process messages dropped, by reason. */
  dropped: Partial<Record<DropReason, number>>
}

export interface ClusterOptions {
  /** `redis://HOST:PORT` (checked: a bad value throws). */
  redis: string
  membershipTtlMs?: number
  /** Key and channel prefix, so several clusters can share one Redis. */
  prefix?: string
  /** One line per Redis state change (stderr in the CLI). */
  report?: (line: string) => void
  onRelay?: (kind: RelayKind, direction: RelayDirection) => void
  onDrop?: (reason: DropReason) => void
}

export interface ClusterRelay {
  readonly node: string
  /** Binds to the process's bittorrent-tracker, whose swarms hold the local peers. */
  attach: (server: TrackerServer) => void
  /**
   * Called for every admitted announce, in order per socket, before
   * bittorrent-tracker handles it: registers the peer, sends the offers meant
   * for other processes' peers and leaves the rest in `params`; sends an
   * answer for a peer on another process. Never rejects.
   */
  beforeAnnounce: (params: Record<string, unknown>) => Promise<void>
  /** A local socket closed: its peer leaves these swarms. */
  left: (peerId: string | null | undefined, infoHashes: readonly string[] | null | undefined) => void
  /** A cross-process message, as it came off Redis (exported for tests). */
  receive: (raw: unknown) => void
  stats: () => ClusterStatsJson
  state: () => LinkState
  close: () => Promise<void>
}

const hex2bin = (hex: string): string => Buffer.from(hex, 'hex').toString('latin1')

export function createClusterRelay (opts: ClusterOptions): ClusterRelay {
  const url = parseRedisUrl(opts.redis)
  const ttl = opts.membershipTtlMs ?? DEFAULT_MEMBERSHIP_TTL_MS
  const prefix = opts.prefix ?? 'swarmcdn:'
  const node = randomBytes(8).toString('hex')
  const swarmKey = (infoHash: string): string => `${prefix}swarm:${infoHash}`
  const channel = (n: string): string => `${prefix}node:${n}`
  const member = (peerId: string, n = node): string => `${n}:${peerId}`
  const routes = new RouteBook()
  const counts = { offersSent: 0, offersReceived: 0, answersSent: 0, answersReceived: 0 }
  let dropped: Partial<Record<DropReason, number>> = {}
  let server: TrackerServer | null = null
  const chains = new WeakMap<object, Promise<void>>()
  let closed = false

  const drop = (reason: DropReason, detail: string): void => {
    dropped[reason] = (dropped[reason] ?? 0) + 1
    opts.onDrop?.(reason)
    log('dropped', reason, detail)
  }
  const relayed = (kind: RelayKind, direction: RelayDirection): void => {
    if (kind === 'offer') counts[direction === 'sent' ? 'offersSent' : 'offersReceived']++
    else counts[direction === 'sent' ? 'answersSent' : 'answersReceived']++
    opts.onRelay?.(kind, direction)
  }
  const quiet = (p: Promise<unknown>): void => { p.catch((err: unknown) => { log('redis', err instanceof Error ? err.message : err) }) }

  const link: RedisLink = openRedisLink({
    url,
    channel: channel(node),
    report: opts.report ?? (() => {}),
    onMessage: (raw) => { receive(raw) },
    onUp: () => { refresh() }
  })
  const up = (): boolean => !closed && link.state() === 'up'

  // One string per process id, however many routes name it (each parsed
  // message would otherwise bring its own copy).
  const nodeIds = new Map<string, string>()
  function nodeId (n: string): string {
    const known = nodeIds.get(n)
    if (known !== undefined) return known
    // Ids change at every process start; a long-lived process forgets old ones.
    if (nodeIds.size >= 1024) nodeIds.clear()
    nodeIds.set(n, n)
    return n
  }

  function localSocket (infoHash: string, peerId: string): TrackerSocket | null {
    const peer = server?.torrents[infoHash]?.peers.peek(peerId)
    const socket = peer?.socket
    return socket !== undefined && socket !== null && socket.destroyed !== true ? socket : null
  }

  function publish (to: string, msg: ClusterMessage): void {
    relayed(msg.type, 'sent')
    quiet(link.cmd.publish(channel(to), encodeClusterMessage(msg)).then((receivers) => {
      // Nobody listens on that process's channel: it is gone, and so is its
      // peer; drop the member now instead of waiting for it to expire.
      if (receivers === 0) return link.cmd.zrem(swarmKey(msg.infoHash), member(msg.to, to))
    }))
  }

  function receive (raw: unknown): void {
    try {
      const parsed = parseClusterMessage(raw)
      if (!parsed.ok) return drop(parsed.reason, parsed.detail)
      const msg = parsed.msg
      const socket = localSocket(msg.infoHash, msg.to)
      if (socket === null) {
        if (up()) quiet(link.cmd.zrem(swarmKey(msg.infoHash), member(msg.to)))
        return drop('no_peer', `${msg.type} for ${msg.to}`)
      }
      relayed(msg.type, 'received')
      // The same message bittorrent-tracker sends for a local offer or answer.
      const out: Record<string, unknown> = { action: 'announce', offer_id: msg.offerId, peer_id: hex2bin(msg.peerId), info_hash: hex2bin(msg.infoHash) }
      if (msg.type === 'offer') {
        out.offer = { type: 'offer', sdp: msg.offer.sdp }
        routes.set(msg.infoHash, msg.peerId, nodeId(msg.from))
      } else {
        out.answer = { type: 'answer', sdp: msg.answer.sdp }
      }
      socket.send(JSON.stringify(out), (err) => { if (err) log('send', err.message) })
    } catch (err) {
      // Belt and braces: nothing from Redis may take the tracker down.
      drop('malformed', err instanceof Error ? err.message : String(err))
    }
  }

  async function announce (params: Record<string, unknown>): Promise<void> {
    const infoHash = params.info_hash
    const peerId = params.peer_id
    if (typeof infoHash !== 'string' || typeof peerId !== 'string' || !up()) return
    const key = swarmKey(infoHash)
    if (params.answer !== undefined && params.answer !== null) {
      const to = params.to_peer_id
      if (typeof to !== 'string' || localSocket(infoHash, to) !== null) return
      const from = routes.get(infoHash, to)
      if (from === null) return drop('no_route', `answer for ${to}`)
      const answer = params.answer as Record<string, unknown>
      return publish(from, { v: 1, type: 'answer', from: node, infoHash, peerId, to, offerId: String(params.offer_id), answer: { type: 'answer', sdp: String(answer.sdp) } })
    }
    if (params.event === 'stopped') return quiet(link.cmd.zrem(key, member(peerId)))
    const offers = Array.isArray(params.offers) ? params.offers as Array<{ offer: { sdp?: unknown }, offer_id: string }> : []
    const want = Math.min(offers.length, typeof params.numwant === 'number' ? params.numwant : offers.length)
    const pipe = link.cmd.pipeline().zadd(key, Date.now() + ttl, member(peerId)).pexpire(key, 2 * ttl)
    if (want === 0) return quiet(pipe.exec())
    // Twice what is needed: the draw may hold this peer itself, and members
    // past their expiry that no process has swept yet.
    pipe.zrandmember(key, 2 * want + 2, 'WITHSCORES')
    let drawn: unknown
    try {
      const res = await pipe.exec()
      const last = res?.[2]
      if (last === undefined || last[0] !== null) return
      drawn = last[1]
    } catch (err) {
      log('draw', err instanceof Error ? err.message : err)
      return
    }
    const picks = sample(drawn, { self: peerId, now: Date.now(), want })
    const local = picks.filter((p) => p.node === node).length
    const remote = picks.filter((p) => p.node !== node)
    // bittorrent-tracker picks `local` peers at random among its own: the
    // same draw, over the same peers, as the one Redis just made.
    for (let i = 0; i < remote.length; i++) {
      const o = offers[local + i]
      publish(remote[i].node, { v: 1, type: 'offer', from: node, infoHash, peerId, to: remote[i].peerId, offerId: o.offer_id, offer: { type: 'offer', sdp: String(o.offer.sdp) } })
    }
    params.offers = offers.slice(0, local)
    params.numwant = local
  }

  /** Re-scores every local peer, and sweeps expired members of the swarms this process takes part in. */
  function refresh (): void {
    if (!up() || server === null) return
    const now = Date.now()
    let pipe = link.cmd.pipeline()
    let n = 0
    for (const [infoHash, swarm] of Object.entries(server.torrents)) {
      const ids = swarm.peers.keys
      if (ids.length === 0) continue
      const key = swarmKey(infoHash)
      const args: Array<string | number> = []
      for (const id of ids) args.push(now + ttl, member(id))
      pipe.zadd(key, ...args).pexpire(key, 2 * ttl).zremrangebyscore(key, '-inf', now)
      if ((n += 3) >= REFRESH_BATCH) {
        quiet(pipe.exec())
        pipe = link.cmd.pipeline()
        n = 0
      }
    }
    if (n > 0) quiet(pipe.exec())
  }
  const timer = setInterval(refresh, Math.max(1000, Math.floor(ttl / 3)))
  timer.unref()

  return {
    node,
    attach (s) { server = s },
    beforeAnnounce (params) {
      const socket = params.socket
      const key = typeof socket === 'object' && socket !== null ? socket : params
      // In order per socket: an announce waiting on Redis is never overtaken
      // by the same visitor's next message (a `stopped`, say).
      const next: Promise<void> = (chains.get(key) ?? Promise.resolve()).then(() => announce(params)).catch((err: unknown) => {
        log('announce', err instanceof Error ? err.message : err)
      }).then(() => {
        // An idle socket keeps no settled promise (~0.1 KiB per peer).
        if (chains.get(key) === next) chains.delete(key)
      })
      chains.set(key, next)
      return next
    },
    left (peerId, infoHashes) {
      if (typeof peerId !== 'string' || !Array.isArray(infoHashes) || !up()) return
      for (const h of infoHashes) quiet(link.cmd.zrem(swarmKey(h), member(peerId)))
    },
    receive,
    stats: () => ({ node, redis: link.state(), ...counts, dropped: { ...dropped } }),
    state: () => link.state(),
    async close () {
      if (closed) return
      clearInterval(timer)
      // Leave the cluster at once rather than after one TTL.
      if (up() && server !== null) {
        const pipe = link.cmd.pipeline()
        for (const [infoHash, swarm] of Object.entries(server.torrents)) {
          const ids = swarm.peers.keys
          if (ids.length > 0) pipe.zrem(swarmKey(infoHash), ...ids.map((id) => member(id)))
        }
        await pipe.exec().catch(() => {})
      }
      closed = true
      dropped = {}
      await link.close()
    }
  }
}
