// What the origin saw, request by request: the Range header each request
// carried, the status, and the bytes its socket took (headers included), or
// whether the client cut it. Read from Node's http diagnostics channels, so
// the origin under test runs unchanged and nothing sits between it and the
// browser (a proxy would add its own buffering to what a cancel costs).
import { subscribe, unsubscribe } from 'node:diagnostics_channel'
import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import type { Socket } from 'node:net'

export interface OriginRequest {
  /** ms since the log started */
  at: number
  path: string
  range: string | null
  status: number
  contentRange: string | null
  /** Bytes the socket took while this response was open (headers included). */
  socketBytes: number
  /** The client went away before the body ended (a cancel, a closed tab). */
  cut: boolean
  /** ms from request to close */
  ms: number
}

export interface OriginLog {
  /** Date.now() when the log started: `at` is counted from here. */
  startedAt: number
  entries: OriginRequest[]
  /** Entries for one path that closed after the first `from` entries, in request order. */
  since: (from: number, path: string) => OriginRequest[]
  stop: () => void
}

const CHANNEL = 'http.server.request.start'

export function logOrigin (port: number): OriginLog {
  const entries: OriginRequest[] = []
  const t0 = Date.now()
  const onStart = (message: unknown): void => {
    const { request, response, socket, server } = message as { request: IncomingMessage, response: ServerResponse, socket: Socket, server: Server }
    const addr = server.address()
    if (addr === null || typeof addr === 'string' || addr.port !== port) return
    const started = Date.now()
    const before = socket.bytesWritten
    const path = (request.url ?? '').split('?')[0] ?? ''
    response.once('close', () => {
      entries.push({
        at: started - t0,
        path,
        range: request.headers.range ?? null,
        status: response.statusCode,
        contentRange: (response.getHeader('content-range') as string | undefined) ?? null,
        socketBytes: socket.bytesWritten - before,
        cut: !response.writableFinished,
        ms: Date.now() - started
      })
    })
  }
  subscribe(CHANNEL, onStart)
  return {
    startedAt: t0,
    entries,
    since: (from, path) => entries.slice(from).filter((e) => e.path === path).sort((a, b) => a.at - b.at),
    stop: () => unsubscribe(CHANNEL, onStart)
  }
}

/** One line per request: `  +1234ms bytes=0- → 206 bytes 0-1199/1200, 1.20 MB in 80 ms (cut by the client)`. */
export function formatLog (entries: OriginRequest[]): string {
  return entries.map((e) => `  +${e.at}ms ${e.range ?? '(no Range)'} → ${e.status}${e.contentRange ? ` ${e.contentRange}` : ''}, ${(e.socketBytes / 1e6).toFixed(2)} MB in ${e.ms} ms${e.cut ? ' (cut by the client)' : ''}`).join('\n')
}
