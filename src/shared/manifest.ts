// The manifest (`swarmcdn.json`): the only source of truth for what may be
// shared and what its bytes must hash to. Fetched from the origin only, never
// from peers. This module is runtime-neutral (page, SW, engine, node).

/** Format version of swarmcdn.json. Bumped only for incompatible changes. */
export const MANIFEST_VERSION = 1

/** Default name of the manifest file at the site root. */
export const MANIFEST_FILE = 'swarmcdn.json'

/** Folder (at the site root) that holds `<infohash>.torrent`. */
export const TORRENT_DIR = 'swarmcdn'

/**
 * The torrent's fixed `name`: every release torrent has the same name so the
 * infohash depends only on the bytes and paths (DESIGN section 2).
 */
export const TORRENT_NAME = 'swarmcdn'

/**
 * Assets larger than this carry per-block SHA-256 hashes so Range requests and
 * video can be served block by block as verified bytes stream in. 256 KiB keeps
 * a video seek within one or two blocks while a 500 MB tree adds ~90 KB of
 * hashes to the manifest.
 */
export const DEFAULT_BLOCK_SIZE = 256 * 1024

/**
 * 16 KiB is the BitTorrent request size, so a piece of this length always comes
 * from exactly one peer: a failed piece then names its sender exactly, which is
 * what lets the engine ban a corrupting peer after its first bad piece.
 */
export const DEFAULT_PIECE_LENGTH = 16 * 1024

/** Runtime files that publish copies into the site; never shared over P2P. */
export const RUNTIME_FILES = ['swarmcdn.js', 'swarmcdn-sw.js', 'swarmcdn-engine.js'] as const

/** Same-origin path the default tracker list names; the page resolves it to ws(s)://. */
export const DEFAULT_TRACKER_PATH = '/announce'

export interface ManifestAsset {
  /** Size in bytes. */
  size: number
  /** Content-Type to serve it with (the SW never takes it from a peer). */
  type: string
  /** SRI syntax: `sha256-<base64>`. */
  integrity: string
  /** Byte offset of the asset inside the release torrent's concatenated data. */
  offset: number
  /** Present when size > blockSize: SHA-256 (base64) of each block. */
  blockSize?: number
  blocks?: string[]
}

export interface ManifestPage {
  /** Manifest asset paths this page references (tags, srcset, CSS url()). */
  assets: string[]
  /** Same-site pages it links to (URL paths). */
  links: string[]
}

export interface Manifest {
  version: number
  /** Release id: the infohash (40 hex) of the release torrent. */
  infoHash: string
  /** Path of the .torrent relative to the site root, e.g. `swarmcdn/<infohash>.torrent`. */
  torrent: string
  /** The torrent's piece length. */
  pieceLength: number
  /** Tracker URLs: absolute ws(s):// or same-origin paths such as `/announce`. */
  trackers: string[]
  /** Kill switch: when true, every SW unregisters and pages go uncontrolled. */
  disabled?: boolean
  /** Asset table keyed by URL path (leading slash, percent-encoded as a browser sends it). */
  assets: Record<string, ManifestAsset>
  /** Optional page graph for multi-page prefetch. */
  pages?: Record<string, ManifestPage>
  generator?: string
}

export class ManifestError extends Error {
  override name = 'ManifestError'
}

const HEX40 = /^[0-9a-f]{40}$/
const SRI_SHA256 = /^sha256-[A-Za-z0-9+/]{43}=$/
const B64_SHA256 = /^[A-Za-z0-9+/]{43}=$/

function isRecord (v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

function isSafeInt (v: unknown, min = 0): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= min
}

/**
 * Validates untrusted JSON into a Manifest. Throws ManifestError with a precise
 * reason on anything unexpected: an unknown version, a weak or unknown hash
 * algorithm, inconsistent sizes or offsets. Callers turn that into "P2P off".
 *
 * The kill switch needs nothing else: a site taking swarmcdn down in a hurry
 * may publish `{"disabled": true}` alone (issue 18). An object with
 * `disabled: true` that is not otherwise a valid manifest parses to an empty
 * release (no assets, an all-zero infohash) with `disabled` set; every caller
 * acts on `disabled` before anything else.
 */
export function parseManifest (input: unknown): Manifest {
  try {
    return parseRelease(input)
  } catch (err) {
    if (!isRecord(input) || input.disabled !== true) throw err
    return { version: MANIFEST_VERSION, infoHash: '0'.repeat(40), torrent: '', pieceLength: DEFAULT_PIECE_LENGTH, trackers: [], assets: {}, disabled: true }
  }
}

function parseRelease (input: unknown): Manifest {
  const fail = (msg: string): never => { throw new ManifestError(msg) }
  if (!isRecord(input)) fail('manifest is not a JSON object')
  const m = input as Record<string, unknown>
  if (m.version !== MANIFEST_VERSION) fail(`unsupported manifest version ${JSON.stringify(m.version)} (expected ${MANIFEST_VERSION})`)
  if (typeof m.infoHash !== 'string' || !HEX40.test(m.infoHash)) fail('infoHash must be 40 lowercase hex characters')
  if (typeof m.torrent !== 'string' || m.torrent.length === 0) fail('torrent path missing')
  if (!isSafeInt(m.pieceLength, 1) || (m.pieceLength as number) % 16384 !== 0) fail('pieceLength must be a positive multiple of 16384')
  if (!Array.isArray(m.trackers) || !m.trackers.every((t) => typeof t === 'string' && t.length > 0)) fail('trackers must be a list of strings')
  if (m.disabled !== undefined && typeof m.disabled !== 'boolean') fail('disabled must be a boolean')
  if (!isRecord(m.assets)) fail('assets must be an object')
  const assets: Record<string, ManifestAsset> = {}
  const spans: Array<[number, number, string]> = []
  for (const [path, raw] of Object.entries(m.assets as Record<string, unknown>)) {
    if (!path.startsWith('/') || path.includes('?') || path.includes('#') || path.includes('\\')) fail(`asset path ${JSON.stringify(path)} is not a URL path`)
    if (!isRecord(raw)) fail(`asset ${path}: not an object`)
    const a = raw as Record<string, unknown>
    if (!isSafeInt(a.size, 1)) fail(`asset ${path}: size must be a positive integer`)
    if (typeof a.type !== 'string' || a.type.length === 0) fail(`asset ${path}: type missing`)
    if (typeof a.integrity !== 'string' || !SRI_SHA256.test(a.integrity)) {
      fail(`asset ${path}: integrity must be sha256-<base64> (other or weak algorithms are refused)`)
    }
    if (!isSafeInt(a.offset, 0)) fail(`asset ${path}: offset must be a non-negative integer`)
    const asset: ManifestAsset = { size: a.size as number, type: a.type as string, integrity: a.integrity as string, offset: a.offset as number }
    if (a.blocks !== undefined || a.blockSize !== undefined) {
      if (!isSafeInt(a.blockSize, 1024)) fail(`asset ${path}: blockSize must be an integer >= 1024`)
      if (!Array.isArray(a.blocks) || !a.blocks.every((b) => typeof b === 'string' && B64_SHA256.test(b))) fail(`asset ${path}: blocks must be base64 SHA-256 digests`)
      const expected = Math.ceil(asset.size / (a.blockSize as number))
      if ((a.blocks as string[]).length !== expected) fail(`asset ${path}: ${(a.blocks as string[]).length} blocks for ${expected} expected`)
      asset.blockSize = a.blockSize as number
      asset.blocks = a.blocks as string[]
    }
    assets[path] = asset
    spans.push([asset.offset, asset.offset + asset.size, path])
  }
  // Assets follow each other on piece boundaries (padAfter), or piece mapping is wrong.
  spans.sort((x, y) => x[0] - y[0])
  let end = 0
  const pl = m.pieceLength as number
  for (const [start, stop, path] of spans) {
    const expected = end === 0 ? 0 : end + padAfter(end, pl)
    if (start !== expected) fail(`asset ${path}: offset ${start} does not follow the previous asset (expected ${expected})`)
    end = stop
  }
  let pages: Record<string, ManifestPage> | undefined
  if (m.pages !== undefined) {
    if (!isRecord(m.pages)) fail('pages must be an object')
    pages = {}
    for (const [path, raw] of Object.entries(m.pages as Record<string, unknown>)) {
      if (!isRecord(raw)) fail(`page ${path}: not an object`)
      const p = raw as Record<string, unknown>
      const list = (v: unknown): string[] => Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []
      pages[path] = { assets: list(p.assets).filter((a) => a in assets), links: list(p.links) }
    }
  }
  const out: Manifest = {
    version: MANIFEST_VERSION,
    infoHash: m.infoHash as string,
    torrent: m.torrent as string,
    pieceLength: m.pieceLength as number,
    trackers: m.trackers as string[],
    assets
  }
  if (m.disabled === true) out.disabled = true
  if (pages) out.pages = pages
  if (typeof m.generator === 'string') out.generator = m.generator
  return out
}

/**
 * Every asset starts on a piece boundary: the gap after an asset (all but the
 * last) is zero padding, a `.pad/<n>` file in the torrent (the BEP 47 layout,
 * without the attr key, which neither webtorrent nor create-torrent reads).
 * A piece then holds bytes of one asset only, so a visitor who has an asset
 * can seed all of its pieces without holding its neighbours.
 */
export function padAfter (size: number, pieceLength: number): number {
  const r = size % pieceLength
  return r === 0 ? 0 : pieceLength - r
}

/** Name of the padding file after an asset, as torrent path segments. */
export function padSegments (pad: number): string[] {
  return ['.pad', String(pad)]
}

/** Total bytes of the release torrent's data (the end of its last asset). */
export function releaseLength (manifest: Manifest): number {
  let total = 0
  for (const a of Object.values(manifest.assets)) total = Math.max(total, a.offset + a.size)
  return total
}

/** Range of piece indexes [first, last] that hold bytes [start, end) of the torrent data. */
export function pieceSpan (pieceLength: number, start: number, end: number): [number, number] {
  return [Math.floor(start / pieceLength), Math.floor((Math.max(end, start + 1) - 1) / pieceLength)]
}

/**
 * Resolves the manifest's tracker list against the page's origin: `/announce`
 * becomes `ws://host:port/announce` (or wss:// on https), absolute ws(s) URLs
 * pass through, anything else is dropped.
 */
export function resolveTrackers (trackers: string[], pageOrigin: string): string[] {
  const out: string[] = []
  for (const t of trackers) {
    try {
      const u = new URL(t, pageOrigin)
      if (u.protocol === 'http:') u.protocol = 'ws:'
      else if (u.protocol === 'https:') u.protocol = 'wss:'
      if (u.protocol === 'ws:' || u.protocol === 'wss:') out.push(u.href)
    } catch { /* unparseable tracker: skip */ }
  }
  return [...new Set(out)]
}
