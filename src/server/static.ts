// The static origin: files under the site root with MIME types, strong ETags
// from content (content-etag.ts),
// conditional requests (304 and 412), single Range requests, CORS for web seeds, and byte-exact
// counting of what was sent.
import type { IncomingMessage, ServerResponse } from 'node:http'
import { open, realpath, type FileHandle } from 'node:fs/promises'
import type { Stats } from 'node:fs'
import { setTimeout as sleep } from 'node:timers/promises'
import { contentEtag } from './content-etag.js'
import { interpretRange, contentRange, type RangeResult } from '../shared/range.js'
import { resolveSafePath, isInside } from './safe-path.js'
import { contentTypeFor, cacheControlFor } from './content-headers.js'
import { isNotModified, ifRangeHolds, preconditionFails } from './conditional.js'
import { pumpBody, abortOnClientClose } from './body.js'
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

      const validators = { etag: await contentEtag(fh, st, o.publishedFor?.(rawPath)), mtimeMs: st.mtimeMs }
      setCors(res)
      res.setHeader('ETag', validators.etag)
      res.setHeader('Last-Modified', st.mtime.toUTCString())
      res.setHeader('Cache-Control', cacheControlFor(resolved.file))
      res.setHeader('Accept-Ranges', 'bytes')
      // RFC 9110 13.2.2: If-Match / If-Unmodified-Since are evaluated before If-None-Match.
      if (preconditionFails(req.headers, validators)) {
        res.writeHead(412, { 'Content-Length': '0' })
        res.end()
        return
      }
      if (isNotModified(req.headers, validators)) {
        res.writeHead(304)
        res.end()
        return
      }

      const size = st.size
      // RFC 9110 14.2: Range is defined for GET only; HEAD ignores it.
      const range: RangeResult = method === 'GET' && req.headers.range !== undefined && ifRangeHolds(req.headers, validators)
        ? interpretRange(size, req.headers.range)
        : { kind: 'full' }
      if (range.kind === 'unsatisfiable') {
        res.writeHead(416, { 'Content-Range': `bytes */${size}`, 'Content-Length': '0' })
        res.end()
        return
      }
      const start = range.kind === 'partial' ? range.start : 0
      const end = range.kind === 'partial' ? range.end : size - 1
      const length = size === 0 ? 0 : end - start + 1
      res.setHeader('Content-Type', contentTypeFor(resolved.file, o.typeFor?.(rawPath)))
      res.setHeader('Content-Length', String(length))
      res.setHeader('X-Content-Type-Options', 'nosniff')
      if (range.kind === 'partial') res.setHeader('Content-Range', contentRange(start, end, size))
      res.writeHead(range.kind === 'partial' ? 206 : 200)
      if (method === 'HEAD' || length === 0) {
        res.end()
        return
      }
      const body = fh.createReadStream({ start, end, autoClose: true })
      handedOff = true
      await pumpBody(body, res, {
        onSent: (n) => { hooks.bytes(rawPath, n) },
        signal,
        ...(o.bandwidthBytesPerSec !== undefined ? { bytesPerSec: o.bandwidthBytesPerSec } : {})
      })
    } finally {
      if (!handedOff) await fh.close().catch(() => {})
    }
  }
}
