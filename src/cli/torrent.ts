// The release torrent: one deterministic multi-file BitTorrent v1 torrent.
// Nothing time- or machine-dependent (no creation date, created by, comment),
// so the same bytes and paths always give the same infohash.
import { createHash } from 'node:crypto'
import { padAfter, padSegments, TORRENT_NAME } from '../shared/manifest.js'
import { bdecode, bencode, type BDict, type DDict, type DValue } from './bencode.js'

export interface TorrentFile {
  /** Decoded path segments relative to the site root. */
  segments: readonly string[]
  size: number
}

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
    if (pad > 0 && i < files.length - 1) out.push({ segments: padSegments(pad), size: pad })
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
  const info: BDict = {
    files: torrentFiles(input.files, input.pieceLength).map((f) => ({ length: f.size, path: [...f.segments] })),
    name: TORRENT_NAME,
    'piece length': input.pieceLength,
    pieces: input.pieces
  }
  const infoBytes = bencode(info)
  const top: BDict = { info }
  const absolute = input.trackers.filter(isAbsoluteTracker)
  if (absolute.length > 0) {
    top.announce = absolute[0]
    top['announce-list'] = absolute.map((t) => [t])
  }
  return { torrent: bencode(top), infoHash: createHash('sha1').update(infoBytes).digest('hex') }
}

export interface ParsedTorrent {
  infoHash: string
  name: string
  pieceLength: number
  pieces: Buffer
  files: Array<{ segments: string[], size: number }>
}

export class TorrentFormatError extends Error {
  override name = 'TorrentFormatError'
}

/** Reads back a multi-file torrent (enough for `verify`; strict about shape). */
export function parseTorrent (data: Buffer): ParsedTorrent {
  const fail = (msg: string): never => { throw new TorrentFormatError(msg) }
  const { value, info: infoBytes } = bdecode(data)
  const isDict = (v: DValue | undefined): v is DDict => typeof v === 'object' && v !== null && !Array.isArray(v) && !Buffer.isBuffer(v)
  if (!isDict(value) || infoBytes === null) return fail('no info dictionary')
  const info = value.info
  if (!isDict(info)) return fail('info is not a dictionary')
  const name = info.name
  const pieceLength = info['piece length']
  const pieces = info.pieces
  const files = info.files
  if (!Buffer.isBuffer(name)) return fail('info.name missing')
  if (typeof pieceLength !== 'number' || pieceLength <= 0) return fail('info["piece length"] missing')
  if (!Buffer.isBuffer(pieces) || pieces.length % 20 !== 0) return fail('info.pieces is not a list of SHA-1 hashes')
  if (!Array.isArray(files)) return fail('not a multi-file torrent (info.files missing)')
  const out: ParsedTorrent['files'] = []
  for (const f of files) {
    if (!isDict(f) || typeof f.length !== 'number' || !Array.isArray(f.path)) return fail('malformed info.files entry')
    const segments = f.path.map((s) => Buffer.isBuffer(s) ? s.toString('utf8') : fail('malformed path segment'))
    out.push({ segments, size: f.length })
  }
  return {
    infoHash: createHash('sha1').update(infoBytes).digest('hex'),
    name: name.toString('utf8'),
    pieceLength,
    pieces,
    files: out
  }
}
