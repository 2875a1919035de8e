// The WebSocket tracker (bittorrent-tracker's server, WebSocket only) mounted
// on an existing HTTP server at /announce, with the protections a public
// signaling endpoint needs: an infohash allow-list, a message size cap, a
// connection cap, a per-connection message rate limit, input validation
// (both in tracker-guard.ts), and dead-connection reaping.
import type { IncomingMessage, Server as HttpServer } from 'node:http'
import type { Duplex } from 'node:stream'
import type { RawData, WebSocket } from 'ws'
import TrackerServer, { type TrackerSocket } from 'bittorrent-tracker/server'
import { debug } from './debug.js'
import { rawPathname } from './http-util.js'
import type { TrackerStatsJson } from './stats.js'
import type { ClusterRelay } from './cluster/relay.js'
import { assertServerInternals } from './tracker-internals.js'
import { MESSAGE_BURST, rawToString, takeToken, validateTrackerMessage, type Conn } from './tracker-guard.js'

export { MESSAGES_PER_SECOND, MESSAGE_BURST, validateTrackerMessage } from './tracker-guard.js'

const log = debug('tracker')

/** Path the WebSocket tracker answers on (the manifest's default tracker). */
export const ANNOUNCE_PATH = '/announce'

/**
 * Largest message accepted. Measured: a Chromium announce as WebTorrent sends
 * it (5 offers, trickle off so every ICE candidate is inside each SDP, no STUN)
 * is 4.4 KB, each SDP ~0.7 KB with two mDNS host candidates. With STUN and
 * TURN candidates on a multi-homed machine an SDP reaches 2-3 KB, so an
 * announce stays under ~16 KB; 64 KiB leaves room and still bounds memory per
 * message. Larger messages close the connection (ws code 1009).
 */
export const MAX_MESSAGE_BYTES = 64 * 1024

/** Concurrent tracker connections; each costs a socket and a few KB. */
export const MAX_CONNECTIONS = 10_000

/** Swarms held at once (only matters when every infohash is admitted). */
export const MAX_SWARMS = 10_000

/** Ping interval; a connection that missed a whole interval without pong is dead. */
const HEARTBEAT_MS = 30_000

export type RejectReason =
  | 'unknown_infohash'
  | 'too_many_swarms'
  | 'invalid_message'
  | 'oversized'
  | 'rate_limited'
  | 'too_many_connections'
  | 'bad_path'
  /** Connection dropped: no pong for a whole heartbeat interval (a dead peer, or one starved of CPU). */
  | 'no_pong'

export interface TrackerOptions {
  /** Whether an infohash (40 lowercase hex) may have a swarm here. */
  admits: (infoHash: string) => boolean | Promise<boolean>
  /** Called for every admitted announce message. */
  onAnnounce?: () => void
  /** Called for every refusal. */
  onReject?: (reason: RejectReason) => void
  maxPayload?: number
  maxConnections?: number
  /** Shares swarms with other tracker processes through Redis (`--redis`). */
  cluster?: ClusterRelay
}

export interface MountedTracker {
  /** Takes an HTTP upgrade for ANNOUNCE_PATH (callers route by path first). */
  handleUpgrade: (req: IncomingMessage, socket: Duplex, head: Buffer) => void
  /** Refuses an upgrade for another path. */
  refuseUpgrade: (socket: Duplex, status: number, reason: RejectReason) => void
  /** Routes `server`'s WebSocket upgrades: ANNOUNCE_PATH to the tracker, any other path refused. */
  attach: (server: HttpServer) => void
  stats: () => TrackerStatsJson
  resetCounters: () => void
  close: () => Promise<void>
}

export const UNKNOWN_INFOHASH_REASON = 'swarmcdn: unknown info_hash (this tracker only admits releases published on this origin)'

/** The upgrade headers bittorrent-tracker keeps per socket (see adopt). */
const NO_HEADERS: Readonly<Record<string, string>> = Object.freeze({})

const STATUS_TEXT: Record<number, string> = { 400: 'Bad Request', 404: 'Not Found', 503: 'Service Unavailable' }

export function mountTracker (opts: TrackerOptions): MountedTracker {
  const maxConnections = opts.maxConnections ?? MAX_CONNECTIONS
  const conns = new Map<WebSocket, Conn>()
  let announces = 0
  let rejected: Partial<Record<RejectReason, number>> = {}
  const reject = (reason: RejectReason): void => {
    rejected[reason] = (rejected[reason] ?? 0) + 1
    opts.onReject?.(reason)
  }

  const server = new TrackerServer({
    http: false,
    udp: false,
    stats: false,
    ws: { noServer: true, maxPayload: opts.maxPayload ?? MAX_MESSAGE_BYTES, perMessageDeflate: false, clientTracking: false },
    filter: (infoHash, params, cb) => {
      Promise.resolve(opts.admits(infoHash)).then((ok) => {
        if (!ok) {
          reject('unknown_infohash')
          return cb(new Error(UNKNOWN_INFOHASH_REASON))
        }
        if (!Object.hasOwn(server.torrents, infoHash)) {
          if (activeSwarms() >= MAX_SWARMS) {
            reject('too_many_swarms')
            return cb(new Error('swarmcdn: tracker is full (too many swarms)'))
          }
          // Create the swarm now, synchronously: bittorrent-tracker's own
          // get-then-create spans two ticks, and two first announces racing
          // through it each create a swarm, the second replacing the first and
          // losing its peer.
          server.torrents[infoHash] = new TrackerServer.Swarm(infoHash, server)
        }
        announces++
        opts.onAnnounce?.()
        // Only admitted announces reach Redis; beforeAnnounce never rejects.
        if (opts.cluster !== undefined) return opts.cluster.beforeAnnounce(params).then(() => { cb(null) })
        cb(null)
      }, (err: unknown) => {
        cb(err instanceof Error ? err : new Error(String(err)))
      })
    }
  })
  // A client's bad data is a warning, never a crash.
  server.on('warning', (err: unknown) => { log('warning', err instanceof Error ? err.message : err) })
  server.on('error', (err: unknown) => { log('error', err instanceof Error ? err.message : err) })
  assertServerInternals(server)
  const wss = server.ws!
  opts.cluster?.attach(server)

  function activeSwarms (): number {
    let n = 0
    for (const s of Object.values(server.torrents)) if (s.peers.length > 0) n++
    return n
  }

  // One handler of each kind for every socket (ws calls them with the socket
  // as `this`), not closures per socket: at 100k peers per cluster each
  // closure and its context is ~0.1 KiB per peer (bench/RESULTS.md).
  function onClose (this: TrackerSocket): void {
    conns.delete(this)
    // Runs before bittorrent-tracker's own close handler, which clears these.
    opts.cluster?.left(this.peerId, this.infoHashes)
  }
  function onError (err: Error & { code?: string }): void {
    if (err.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') reject('oversized')
    log('socket error', err.message)
  }
  function onPong (this: TrackerSocket): void {
    const c = conns.get(this)
    if (c !== undefined) c.alive = true
  }
  function onMessage (this: TrackerSocket, data: RawData, isBinary: boolean): void {
    const ws = this
    const conn = conns.get(ws)
    if (conn === undefined) return
    if (!takeToken(conn)) {
      reject('rate_limited')
      ws.terminate()
      return
    }
    const text = isBinary ? null : rawToString(data)
    let msg: unknown
    try {
      if (text === null) throw new Error('binary frame')
      msg = JSON.parse(text)
    } catch {
      reject('invalid_message')
      ws.send(JSON.stringify({ 'failure reason': 'swarmcdn: message is not JSON text' }))
      return
    }
    const problem = validateTrackerMessage(msg)
    if (problem !== null) {
      reject('invalid_message')
      ws.send(JSON.stringify({ 'failure reason': `swarmcdn: ${problem}` }))
      return
    }
    // Cleared by bittorrent-tracker when it is done with the socket.
    ws.onMessageBound?.(text)
  }

  function adopt (ws: TrackerSocket, req: IncomingMessage): void {
    conns.set(ws, { tokens: MESSAGE_BURST, refilledAt: Date.now(), alive: true })
    ws.on('close', onClose)
    ws.on('error', onError)
    ws.on('pong', onPong)
    // bittorrent-tracker adopts the socket (and adds its own message
    // listener). It keeps the request it is given until the first message and
    // then its headers for the socket's life, for nothing this tracker uses
    // (it reads X-Forwarded-For only with trustProxy, which is off): it gets
    // the remote address alone, not a browser's ~1-2 KB of headers per peer.
    wss.emit('connection', ws, { headers: NO_HEADERS, connection: { remoteAddress: req.socket.remoteAddress ?? '', remotePort: req.socket.remotePort } })
    // ...which we put behind our checks.
    const inner = ws.onMessageBound
    if (typeof inner !== 'function') {
      // The guard below cannot be put in place (tracker-internals.ts): never
      // serve an unguarded socket.
      log('error', 'bittorrent-tracker socket has no onMessageBound: refusing the connection')
      ws.terminate()
      return
    }
    ws.off('message', inner)
    ws.on('message', onMessage)
  }

  const heartbeat = setInterval(() => {
    for (const [ws, c] of conns) {
      if (!c.alive) {
        reject('no_pong')
        ws.terminate()
        continue
      }
      c.alive = false
      ws.ping()
    }
    // Drop empty swarms so an allow-all tracker does not keep every infohash ever seen.
    for (const [h, s] of Object.entries(server.torrents)) if (s.peers.length === 0) delete server.torrents[h]
  }, HEARTBEAT_MS)
  heartbeat.unref()

  function refuseUpgrade (socket: Duplex, status: number, reason: RejectReason): void {
    reject(reason)
    socket.on('error', () => {})
    if (!socket.writable) {
      socket.destroy()
      return
    }
    socket.end(`HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? 'Error'}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`, () => { socket.destroy() })
  }

  return {
    handleUpgrade (req, socket, head) {
      if (server.destroyed) return refuseUpgrade(socket, 503, 'too_many_connections')
      if (conns.size >= maxConnections) return refuseUpgrade(socket, 503, 'too_many_connections')
      wss.handleUpgrade(req, socket, head, (ws) => { adopt(ws as TrackerSocket, req) })
    },
    refuseUpgrade,
    attach (http) {
      http.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
        if (rawPathname(req) === ANNOUNCE_PATH) this.handleUpgrade(req, socket, head)
        else refuseUpgrade(socket, 404, 'bad_path')
      })
    },
    stats () {
      let peers = 0
      let swarms = 0
      let seeders = 0
      for (const s of Object.values(server.torrents)) {
        peers += s.peers.length
        if (s.peers.length > 0) swarms++
        // Peers that announced they hold the whole release (left = 0 or `completed`): `swarmcdn seed`, full visitors.
        seeders += s.complete
      }
      return { peers, swarms, seeders, connections: conns.size, announces, rejected: { ...rejected }, ...(opts.cluster !== undefined ? { cluster: opts.cluster.stats() } : {}) }
    },
    resetCounters () {
      announces = 0
      rejected = {}
    },
    close () {
      clearInterval(heartbeat)
      for (const ws of conns.keys()) ws.terminate()
      conns.clear()
      const closed = new Promise<void>((resolve) => { server.close(() => { resolve() }) })
      return Promise.all([closed, opts.cluster?.close()]).then(() => {})
    }
  }
}
