// A test-only front for the origin: forwards every request (and the tracker's
// WebSocket upgrade) to the real origin, except those a test's own handler
// answers: a stalled manifest, a 5xx, a missing file, an extra endpoint, a
// response header. Counts the requests per path it saw.
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http'
import { connect, type AddressInfo, type Socket } from 'node:net'
import type { RunningServer } from '../../src/server/index.js'

/** Answers the request itself and returns true, or returns false to forward it. */
export type FrontHandler = (path: string, req: IncomingMessage, res: ServerResponse) => boolean

export interface Front {
  url: string
  /** Requests seen per URL path (forwarded or answered). */
  requests: (path: string) => number
  /** Replaced at any time by the test. */
  handler: FrontHandler
  /** Headers added to forwarded responses (e.g. a Content-Security-Policy on pages). */
  headers: (path: string) => Record<string, string>
  close: () => Promise<void>
}

export async function startFront (server: RunningServer, handler: FrontHandler = () => false): Promise<Front> {
  const target = { host: server.host, port: server.port }
  const sockets = new Set<Socket>()
  const counts = new Map<string, number>()
  const front: Front = {
    url: '',
    requests: (path) => counts.get(path) ?? 0,
    handler,
    headers: () => ({}),
    close: async () => {
      for (const s of sockets) s.destroy()
      await new Promise<void>((resolve) => http.close(() => resolve()))
    }
  }
  const http = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname
    counts.set(path, (counts.get(path) ?? 0) + 1)
    if (front.handler(path, req, res)) return
    const up = httpRequest({ ...target, method: req.method, path: req.url, headers: req.headers }, (upRes) => {
      res.writeHead(upRes.statusCode ?? 502, { ...upRes.headers, ...front.headers(path) })
      upRes.pipe(res)
    })
    up.on('error', () => { if (!res.headersSent) res.writeHead(502); res.end() })
    req.pipe(up)
  })
  http.on('connection', (s: Socket) => { sockets.add(s); s.on('close', () => sockets.delete(s)) })
  http.on('upgrade', spliceUpgrades(target, sockets))
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve))
  front.url = `http://127.0.0.1:${(http.address() as AddressInfo).port}/`
  return front
}

/**
 * WebSocket upgrades (the tracker's /announce) for a test proxy: replay the
 * request head to the origin and splice the two sockets, tracked in `sockets`
 * so the proxy's close ends them.
 */
export function spliceUpgrades (target: { host: string, port: number }, sockets: Set<Socket>): (req: IncomingMessage, socket: Socket, head: Buffer) => void {
  return (req, socket, head) => {
    const up = connect(target.port, target.host, () => {
      let raw = `${req.method} ${req.url} HTTP/1.1\r\n`
      for (let i = 0; i < req.rawHeaders.length; i += 2) raw += `${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}\r\n`
      up.write(raw + '\r\n')
      if (head.length) up.write(head)
      up.pipe(socket)
      socket.pipe(up)
    })
    sockets.add(up)
    up.on('close', () => { sockets.delete(up); socket.destroy() })
    up.on('error', () => socket.destroy())
    socket.on('error', () => up.destroy())
  }
}

/** Answers JSON with no caching. */
export function sendJson (res: ServerResponse, status: number, body: unknown): true {
  res.writeHead(status, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' })
  res.end(JSON.stringify(body))
  return true
}
