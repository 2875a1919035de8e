// The static origin: maps a URL path to a file under the site root (safe-path.ts,
// symlinks checked), gives it a strong ETag from content (content-etag.ts),
// MIME type and Cache-Control (content-headers.ts) and CORS for web seeds, and
// hands the HTTP side to `send` (send-file.ts): conditional requests (304 and
// 412), single Range requests (206/416) and HEAD, with byte-exact counting of
// what was sent.
import type { IncomingMessage, ServerResponse } from 'node:http'
import { open, realpath, type FileHandle } from 'node:fs/promises'
import type { Stats } from 'node:fs'
import { setTimeout as sleep } from 'node:timers/promises'
import { contentEtag } from './content-etag.js'
import { resolveSafePath, isInside } from './safe-path.js'
import { contentTypeFor, cacheControlFor } from './content-headers.js'
import { headersForSend } from './conditional.js'
import { abortOnClientClose } from './body.js'
import { sendOpenFile } from './send-file.js'
import { sendText, sendMethodNotAllowed, sendPreflight, setCors } from './http-util.js'

export interface StaticHooks {
  /** A GET/HEAD for an existing file (whatever the outcome: 200, 206, 304, 416, redirect). */
  request: (path: string) => void
  notFound: () => void
  badRequest: () => void
  /** Body bytes the socket accepted for `path`. */
  bytes: (path: string, n: number) => void
}

export interface StaticOptions {
  /** Absolute, normalized site root. */
  root: string
  /** realpath of root: files whose realpath leaves it (symlinks) are not served. */
  realRoot: string
  hooks: StaticHooks
  /** Content-Type the manifest gives a URL path, if any. */
  typeFor?: (path: string) => string | undefined
  /** What the manifest says of a URL path (an asset of the current release), for its ETag. */
  publishedFor?: (path: string) => { integrity: string, size: number, manifestMtimeMs: number } | undefined
  /** Bench knob: delay before the first byte of every static response. */
  latencyMs?: number
  /** Bench knob: pace each response body to this rate. */
  bandwidthBytesPerSec?: number
}

export type StaticHandler = (req: IncomingMessage, res: ServerResponse, rawPath: string) => Promise<void>


const NOT_FOUND_CODES = new Set(['ENOENT', 'ENOTDIR', 'EISDIR', 'EACCES', 'EPERM', 'ENAMETOOLONG', 'ELOOP'])

export function createStaticHandler (o: StaticOptions): StaticHandler {
  const { hooks } = o

  async function openFile (file: string): Promise<{ fh: FileHandle, st: Stats } | null> {
    let fh: FileHandle
    try {
      fh = await open(file, 'r')
    } catch (err) {
      if (NOT_FOUND_CODES.has((err as NodeJS.ErrnoException).code ?? '')) return null
      throw err
    }
    try {
      // fstat the opened file, not the path: what we describe is what we send.
      return { fh, st: await fh.stat() }
    } catch (err) {
      await fh.close()
      throw err
    }
  }

  return async function handleStatic (req, res, rawPath) {
    const method = req.method ?? 'GET'
    if (method === 'OPTIONS') return sendPreflight(res)
    if (method !== 'GET' && method !== 'HEAD') return sendMethodNotAllowed(res)
    const signal = abortOnClientClose(res)
    if (o.latencyMs !== undefined && o.latencyMs > 0) {
      try { await sleep(o.latencyMs, undefined, { signal }) } catch { return }
    }

    const resolved = resolveSafePath(o.root, rawPath)
    if (!resolved.ok) {
      if (resolved.status === 404) hooks.notFound()
      else hooks.badRequest()
      return sendText(res, resolved.status, resolved.status === 404 ? 'Not Found' : `Bad Request: ${resolved.reason}`)
    }
    const opened = await openFile(resolved.file)
    if (!opened) {
      hooks.notFound()
      return sendText(res, 404, 'Not Found')
    }
    const { fh, st } = opened
    let handedOff = false
    try {
      if (st.isDirectory()) {
        hooks.request(rawPath)
        // `/dir` → `/dir/` (then index.html). Leading slashes collapsed so the
        // Location can never become a protocol-relative `//other.host/`.
        return sendText(res, 301, 'Moved Permanently', { Location: '/' + rawPath.replace(/^\/+/, '') + '/' })
      }
      if (!st.isFile() || !isInside(o.realRoot, await realpath(resolved.file))) {
        hooks.notFound()
        return sendText(res, 404, 'Not Found')
      }
      hooks.request(rawPath)

      const etag = await contentEtag(fh, st, o.publishedFor?.(rawPath))
      // Set before send runs: with its own ETag off, send's 412/304/If-Range
      // checks read this header back from the response.
      setCors(res)
      res.setHeader('ETag', etag)
      res.setHeader('Cache-Control', cacheControlFor(resolved.file))
      res.setHeader('Accept-Ranges', 'bytes')
      res.setHeader('Content-Type', contentTypeFor(resolved.file, o.typeFor?.(rawPath)))
      res.setHeader('X-Content-Type-Options', 'nosniff')
      handedOff = true
      await sendOpenFile(req, res, {
        file: resolved.file,
        fh,
        st,
        headers: headersForSend(method, req.headers, { etag, mtimeMs: st.mtimeMs }, st.size),
        onSent: (n) => { hooks.bytes(rawPath, n) },
        signal,
        ...(o.bandwidthBytesPerSec !== undefined ? { bytesPerSec: o.bandwidthBytesPerSec } : {})
      })
    } finally {
      if (!handedOff) await fh.close().catch(() => {})
    }
  }
}
