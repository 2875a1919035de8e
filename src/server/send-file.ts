// Answers a GET/HEAD for one opened file through `send` (pillarjs/send 1.x):
// send evaluates the preconditions (412), freshness (304), Range (206/416)
// and HEAD, and sets Last-Modified, Content-Length and Content-Range. Two of
// its steps are ours, replaced on the instance through methods its typings
// declare (sendFile, stream):
//
// - the stat: send is given the fstat of the handle we opened, hashed for the
//   ETag and checked against the site root, never a second stat of the path,
//   so what the headers describe is what is sent;
// - the body: the byte span send chose is read from that handle and written
//   by our pump, which counts only the bytes the socket accepted (stats,
//   metrics, history, benchmarks) and paces them for the far-origin benchmark.
//   send's own stream() would pipe the file with neither.
//
// If a send release stops calling these methods, test/unit/server/send-file.test.ts
// fails (send would stat and read a path that does not exist).
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http'
import type { Stats } from 'node:fs'
import type { FileHandle } from 'node:fs/promises'
import { pathToFileURL } from 'node:url'
import send from 'send'
import { pumpBody } from './body.js'

export interface SendFileOptions {
  /** Absolute path of the file (for send's path checks and debug output). */
  file: string
  /** The opened file; owned by sendOpenFile from the call on (closed by it). */
  fh: FileHandle
  /** fstat of `fh`. */
  st: Stats
  /** The headers send evaluates (see conditional.ts); the request's own stay as they came. */
  headers: IncomingHttpHeaders
  /** Called with each chunk's size once the socket accepted it. */
  onSent: (bytes: number) => void
  /** Aborted when the client goes away. */
  signal: AbortSignal
  /** Pace the body to this many bytes per second. */
  bytesPerSec?: number
}

/**
 * What send's options leave to the caller: ETag (content-based, set by the
 * caller before this call; send's conditional checks read it back from the
 * response), Cache-Control and Content-Type (preset by the caller), the index
 * file and dot-file rules (safe-path.ts already mapped the URL to `file`).
 */
const SEND_OPTIONS: send.SendOptions = {
  etag: false,
  cacheControl: false,
  lastModified: true,
  acceptRanges: true,
  index: false,
  dotfiles: 'allow'
}

/** The status and extra headers of send's http-errors error (416 carries Content-Range). */
function describeError (err: unknown): { status: number, headers: Record<string, string> } {
  const e = (typeof err === 'object' && err !== null ? err : {}) as { status?: unknown, headers?: unknown }
  const status = typeof e.status === 'number' && e.status >= 400 && e.status < 600 ? e.status : 500
  const headers: Record<string, string> = {}
  if (typeof e.headers === 'object' && e.headers !== null) {
    for (const [k, v] of Object.entries(e.headers)) if (typeof v === 'string') headers[k] = v
  }
  return { status, headers }
}

/**
 * send reads `req.method` and `req.headers` only: a view of the request with
 * other headers lets it evaluate the corrected ones while the request object
 * other code (logs, tests) sees stays as the client sent it.
 */
function withHeaders (req: IncomingMessage, headers: IncomingHttpHeaders): IncomingMessage {
  const view = Object.create(req) as IncomingMessage
  view.headers = headers
  return view
}

/** Resolves once the response is answered (the body fully written, or cut by the client). */
export async function sendOpenFile (req: IncomingMessage, res: ServerResponse, o: SendFileOptions): Promise<void> {
  // Once a read stream exists it closes the handle itself (autoClose), also when destroyed.
  let bodyOwnsHandle = false
  try {
    await new Promise<void>((resolve) => {
      // send URL-decodes the path it is given: hand it the encoded form of the file's path.
      const stream = send(withHeaders(req, o.headers), pathToFileURL(o.file).pathname, SEND_OPTIONS)
      stream.on('error', (err: unknown) => {
        // 412 and 416 (and send's own 500s): bodiless, keeping the validators already set.
        if (res.headersSent) res.destroy()
        else {
          const { status, headers } = describeError(err)
          res.removeHeader('Content-Type')
          res.writeHead(status, { ...headers, 'Content-Length': '0' })
          res.end()
        }
        resolve()
      })
      stream.sendFile = (path) => { stream.send(path, o.st) }
      stream.stream = (_path, options) => {
        // send asks for start..end inclusive; an empty file still reads as 0..0.
        const { start, end } = options as { start: number, end: number }
        if (Number(res.getHeader('Content-Length')) === 0) {
          res.end()
          resolve()
          return
        }
        const body = o.fh.createReadStream({ start, end, autoClose: true })
        bodyOwnsHandle = true
        void pumpBody(body, res, {
          onSent: o.onSent,
          signal: o.signal,
          ...(o.bytesPerSec !== undefined ? { bytesPerSec: o.bytesPerSec } : {})
        }).finally(resolve)
      }
      stream.pipe(res)
      // 304, HEAD and empty bodies are answered synchronously inside pipe().
      if (!bodyOwnsHandle) resolve()
    })
  } finally {
    if (!bodyOwnsHandle) await o.fh.close().catch(() => {})
  }
}
