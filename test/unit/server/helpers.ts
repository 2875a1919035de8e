// Test helpers: a throwaway site on disk, a raw HTTP client (fetch normalizes
// `..` and hides what went over the wire), and tracker message builders.
import http from 'node:http'
import { createHash } from 'node:crypto'
import { mkdtemp, mkdir, writeFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, dirname } from 'node:path'
import { MANIFEST_FILE } from '../../../src/shared/manifest.js'

export interface RawResponse {
  status: number
  headers: http.IncomingHttpHeaders
  body: Buffer
}

/** One request on its own connection, path sent byte for byte as given. */
export function request (port: number, path: string, opts: { method?: string, headers?: Record<string, string> } = {}): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, method: opts.method ?? 'GET', headers: opts.headers ?? {}, agent: false }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => { resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }) })
      res.on('error', reject)
    })
    req.on('error', reject)
    req.end()
  })
}

export async function getJson<T> (port: number, path: string): Promise<T> {
  const r = await request(port, path)
  if (r.status !== 200) throw new Error(`${path}: HTTP ${r.status}`)
  return JSON.parse(r.body.toString('utf8')) as T
}

/** Deterministic pseudo-random bytes (so a failing byte comparison is reproducible). */
export function bytes (n: number, seed = 1): Buffer {
  const b = Buffer.alloc(n)
  let x = seed >>> 0 || 1
  for (let i = 0; i < n; i++) {
    x ^= x << 13; x >>>= 0
    x ^= x >>> 17
    x ^= x << 5; x >>>= 0
    b[i] = x & 0xff
  }
  return b
}

export interface Site {
  /** Parent temp folder (holds `site/` and a `secret.txt` outside it). */
  base: string
  dir: string
  files: Record<string, Buffer>
  cleanup: () => Promise<void>
}

/** Writes `files` (URL path → content) under a fresh temp folder's `site/`. */
export async function makeSite (files: Record<string, Buffer | string>): Promise<Site> {
  const base = await mkdtemp(join(tmpdir(), 'swarmcdn-server-'))
  const dir = join(base, 'site')
  await mkdir(dir)
  const out: Record<string, Buffer> = {}
  for (const [p, content] of Object.entries(files)) {
    const buf = typeof content === 'string' ? Buffer.from(content) : content
    const file = join(dir, p)
    await mkdir(dirname(file), { recursive: true })
    await writeFile(file, buf)
    out[p] = buf
  }
  await writeFile(join(base, 'secret.txt'), 'TOP SECRET outside the site')
  return { base, dir, files: out, cleanup: () => rm(base, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 }) }
}

export function sri (buf: Buffer): string {
  return 'sha256-' + createHash('sha256').update(buf).digest('base64')
}

/** A manifest that parseManifest accepts, built by hand for `assets` (URL path → content). */
export function manifestFor (infoHash: string, assets: Record<string, Buffer>): object {
  let offset = 0
  const table: Record<string, object> = {}
  for (const [p, buf] of Object.entries(assets)) {
    table[p] = { size: buf.length, type: 'application/octet-stream', integrity: sri(buf), offset }
    offset += buf.length
  }
  return { version: 1, infoHash, torrent: `swarmcdn/${infoHash}.torrent`, pieceLength: 16384, trackers: ['/announce'], assets: table }
}

export async function writeManifest (dir: string, manifest: object): Promise<void> {
  await writeFile(join(dir, MANIFEST_FILE), JSON.stringify(manifest))
}

/** The 20 bytes of a 40-hex infohash as the latin1 "binary string" WebTorrent sends. */
export function bin (hex: string): string {
  return Buffer.from(hex, 'hex').toString('latin1')
}

/** A 20-character peer id the way WebTorrent builds one (`-WW0300-` + random). */
export function peerId (n: number): string {
  return `-WW0300-${String(n).padStart(12, '0')}`
}
