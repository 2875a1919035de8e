// The release torrent: one deterministic multi-file BitTorrent v1 torrent.
// Nothing time- or machine-dependent (no creation date, created by, comment),
// so the same bytes and paths always give the same infohash.
import { createHash } from 'node:crypto'
import bencode, { type Encodable } from 'bencode'
import { padAfter, padSegments, TORRENT_NAME } from '../shared/manifest.js'

export interface TorrentFile {
  /** Decoded path segments relative to the site root. */
  segments: readonly string[]
  size: number
  /** BEP 47 file attributes: `p` marks a padding file. */
  attr?: string
}

/** BEP 47: a padding file's bytes are zeros that clients need not store or read. */
export const PADDING_ATTR = 'p'

export interface TorrentInput {
  /** In release order (the manifest's offsets follow the same order). */
  files: readonly TorrentFile[]
  pieceLength: number
  /** Concatenated 20-byte SHA-1 piece hashes. */
  pieces: Buffer
  /** Tracker list of the manifest; only absolute ws(s):// URLs go into the torrent. */
  trackers: readonly string[]
}

export interface BuiltTorrent {
  torrent: Buffer
  infoHash: string
}

/** The torrent's file list: each asset, then zero padding up to the next piece boundary (not after the last). */
export function torrentFiles (files: readonly TorrentFile[], pieceLength: number): TorrentFile[] {
  const out: TorrentFile[] = []
  files.forEach((f, i) => {
    out.push(f)
    const pad = padAfter(f.size, pieceLength)
    if (pad > 0 && i < files.length - 1) out.push({ segments: padSegments(pad), size: pad, attr: PADDING_ATTR })
  })
  return out
}

export function isAbsoluteTracker (tracker: string): boolean {
  return /^wss?:\/\//i.test(tracker)
}

/**
 * Always the multi-file form, even for one file, so a path in the torrent is
 * `swarmcdn/<segments...>` for every release. `announce`/`announce-list` carry
 * only absolute trackers: a same-origin path such as `/announce` is not a valid
 * announce URL, and the engine takes its trackers from the manifest anyway.
 */
export function buildTorrent (input: TorrentInput): BuiltTorrent {
  const info: Record<string, Encodable> = {
    files: torrentFiles(input.files, input.pieceLength).map((f) => {
      const entry: Record<string, Encodable> = { length: f.size, path: [...f.segments] }
      if (f.attr !== undefined) entry.attr = f.attr
      return entry
    }),
    name: TORRENT_NAME,
    'piece length': input.pieceLength,
    pieces: input.pieces
  }
  const infoBytes = encode(info)
  const top: Record<string, Encodable> = { info }
  const absolute = input.trackers.filter(isAbsoluteTracker)
  if (absolute.length > 0) {
    top.announce = absolute[0]
    top['announce-list'] = absolute.map((t) => [t])
  }
  return { torrent: encode(top), infoHash: createHash('sha1').update(infoBytes).digest('hex') }
}

/**
 * bencode sorts dictionary keys as JS strings, which equals BEP 3's raw byte
 * order for the ASCII keys a torrent has; integers must be exact (bencode
 * would silently truncate a float).
 */
function encode (value: Record<string, Encodable>): Buffer {
  const check = (v: Encodable): void => {
    if (typeof v === 'number' && !Number.isSafeInteger(v)) throw new TypeError(`bencode: ${v} is not a safe integer`)
    if (Array.isArray(v)) v.forEach(check)
    else if (typeof v === 'object' && !(v instanceof Uint8Array)) Object.values(v).forEach(check)
  }
  check(value)
  const out = bencode.encode(value)
  return Buffer.from(out.buffer, out.byteOffset, out.byteLength)
}

export interface ParsedTorrent {
  infoHash: string
  name: string
  pieceLength: number
  pieces: Buffer
  files: Array<{ segments: string[], size: number, attr?: string }>
}

export class TorrentFormatError extends Error {
  override name = 'TorrentFormatError'
}

type Dict = Record<string, unknown>
const isDict = (v: unknown): v is Dict => typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array)
const isBytes = (v: unknown): v is Uint8Array => v instanceof Uint8Array
const text = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('utf8')

/**
 * Reads back a multi-file torrent (enough for `verify`; strict about shape).
 * The file must be canonical bencode (sorted keys, no trailing bytes, no
 * leading zeros): re-encoding what was decoded must give the same bytes, so
 * the infohash computed here is the one every client computes.
 */
export function parseTorrent (data: Buffer): ParsedTorrent {
  const fail = (msg: string): never => { throw new TorrentFormatError(msg) }
  let value: unknown
  try {
    value = bencode.decode(data)
  } catch (err) {
    return fail(`not bencode (${err instanceof Error ? err.message : String(err)})`)
  }
  if (!isDict(value) || !isDict(value.info)) return fail('no info dictionary')
  let canonical: Uint8Array
  try {
    canonical = bencode.encode(value as Encodable)
  } catch {
    return fail('not canonical bencode')
  }
  if (!Buffer.from(canonical).equals(data)) return fail('not canonical bencode (unsorted keys, trailing bytes or a non-minimal integer)')
  const info = value.info
  const { name, pieces, files } = info
  const pieceLength = info['piece length']
  if (!isBytes(name)) return fail('info.name missing')
  if (typeof pieceLength !== 'number' || !Number.isSafeInteger(pieceLength) || pieceLength <= 0) return fail('info["piece length"] missing')
  if (!isBytes(pieces) || pieces.length % 20 !== 0) return fail('info.pieces is not a list of SHA-1 hashes')
  if (!Array.isArray(files)) return fail('not a multi-file torrent (info.files missing)')
  const out: ParsedTorrent['files'] = []
  for (const f of files as unknown[]) {
    if (!isDict(f) || typeof f.length !== 'number' || !Number.isSafeInteger(f.length) || f.length < 0 || !Array.isArray(f.path)) return fail('malformed info.files entry')
    const segments = (f.path as unknown[]).map((s) => isBytes(s) ? text(s) : fail('malformed path segment'))
    const entry: ParsedTorrent['files'][number] = { segments, size: f.length }
    if (f.attr !== undefined) entry.attr = isBytes(f.attr) ? text(f.attr) : fail('malformed attr')
    out.push(entry)
  }
  return {
    infoHash: createHash('sha1').update(bencode.encode(info as Encodable)).digest('hex'),
    name: text(name),
    pieceLength,
    pieces: Buffer.from(pieces),
    files: out
  }
}
