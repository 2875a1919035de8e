// `swarmcdn verify <dir>`: re-hash a published site against its manifest and
// release torrent, and report every difference.
import { readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import type { Command } from 'commander'
import { MANIFEST_FILE, ManifestError, TORRENT_NAME, parseManifest, type Manifest } from '../shared/manifest.js'
import { CliError } from './errors.js'
import { hashRelease, type HashInput } from './hash.js'
import { torrentFiles } from './torrent.js'
import { parseTorrent, type ParsedTorrent } from './torrent.js'
import { unaddressableReason, urlPathOf } from './url-path.js'

export type Mismatch =
  | { kind: 'missing', path: string }
  | { kind: 'not-a-file', path: string }
  | { kind: 'bad-path', path: string, reason: string }
  | { kind: 'size', path: string, expected: number, actual: number }
  | { kind: 'hash', path: string }
  | { kind: 'blocks', path: string, blocks: number[] }
  | { kind: 'torrent-missing', path: string }
  | { kind: 'torrent-invalid', path: string, reason: string }
  | { kind: 'torrent-infohash', expected: string, actual: string }
  | { kind: 'torrent-files', reason: string }
  | { kind: 'pieces', count: number, first: number[], paths: string[] }

export interface VerifyResult {
  ok: boolean
  infoHash: string
  files: number
  bytes: number
  /** Whether the torrent's piece hashes were compared with the current bytes. */
  piecesChecked: boolean
  mismatches: Mismatch[]
}

/** Piece indexes listed in a report; the count is always exact. */
const MAX_LISTED_PIECES = 10

async function loadManifest (dir: string): Promise<Manifest> {
  const path = join(dir, MANIFEST_FILE)
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    throw new CliError('manifest-missing', `${path}: cannot read the manifest (${code ?? String(err)}); run \`swarmcdn publish ${dir}\` first`, { cause: err })
  }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (err) {
    throw new CliError('manifest-invalid', `${path} is not valid JSON (${(err as Error).message}); publish again`, { cause: err })
  }
  try {
    return parseManifest(json)
  } catch (err) {
    if (err instanceof ManifestError) throw new CliError('manifest-invalid', `${path} is not a valid manifest: ${err.message}; publish again`, { cause: err })
    throw err
  }
}

/** Decoded path segments for a manifest key, or why it cannot name a file. */
function segmentsOf (urlPath: string): string[] | string {
  let segments: string[]
  try {
    segments = urlPath.slice(1).split('/').map(decodeURIComponent)
  } catch {
    return 'invalid percent-encoding'
  }
  const reason = unaddressableReason(segments)
  if (reason !== null) return reason
  if (urlPathOf(segments) !== urlPath) return `not the canonical URL path of ${JSON.stringify(segments.join('/'))}`
  return segments
}

interface Entry { path: string, segments: string[], size: number, offset: number, integrity: string, blocks?: string[] }

export async function verify (dir: string): Promise<VerifyResult> {
  const manifest = await loadManifest(dir)
  const mismatches: Mismatch[] = []

  const entries: Entry[] = []
  for (const [path, a] of Object.entries(manifest.assets)) {
    const segments = segmentsOf(path)
    if (typeof segments === 'string') {
      mismatches.push({ kind: 'bad-path', path, reason: segments })
      continue
    }
    entries.push({ path, segments, size: a.size, offset: a.offset, integrity: a.integrity, blocks: a.blocks })
  }
  entries.sort((x, y) => x.offset - y.offset)
  const bytes = entries.reduce((s, e) => s + e.size, 0)

  // The torrent: present, the manifest's infohash, the same file table.
  let torrent: ParsedTorrent | null = null
  const torrentPath = join(dir, ...manifest.torrent.split('/'))
  if (manifest.torrent.split('/').some((s) => s === '..' || s === '')) {
    mismatches.push({ kind: 'torrent-invalid', path: manifest.torrent, reason: 'torrent path leaves the site folder' })
  } else {
    let data: Buffer | null = null
    try {
      data = await readFile(torrentPath)
    } catch {
      mismatches.push({ kind: 'torrent-missing', path: manifest.torrent })
    }
    if (data !== null) {
      try {
        torrent = parseTorrent(data)
      } catch (err) {
        mismatches.push({ kind: 'torrent-invalid', path: manifest.torrent, reason: (err as Error).message })
      }
    }
  }
  if (torrent !== null) {
    if (torrent.infoHash !== manifest.infoHash) {
      mismatches.push({ kind: 'torrent-infohash', expected: manifest.infoHash, actual: torrent.infoHash })
    }
    const reason = compareFileTable(manifest, entries, torrent)
    if (reason !== null) {
      mismatches.push({ kind: 'torrent-files', reason })
      torrent = null
    }
  }

  // Current state of every file.
  const toHash: Array<HashInput & { entry: Entry }> = []
  let allIntact = mismatches.every((m) => m.kind !== 'bad-path')
  for (const entry of entries) {
    const abs = join(dir, ...entry.segments)
    try {
      const s = await stat(abs)
      if (!s.isFile()) {
        mismatches.push({ kind: 'not-a-file', path: entry.path })
        allIntact = false
      } else if (s.size !== entry.size) {
        mismatches.push({ kind: 'size', path: entry.path, expected: entry.size, actual: s.size })
        allIntact = false
      } else {
        toHash.push({ abs, rel: entry.segments.join('/'), size: entry.size, entry })
      }
    } catch {
      mismatches.push({ kind: 'missing', path: entry.path })
      allIntact = false
    }
  }

  // Pieces can only be recomputed when every file is there at its size.
  const piecesChecked = allIntact && torrent !== null
  const digests = await hashRelease(toHash, { pieceLength: piecesChecked ? torrent!.pieceLength : 0 })
  toHash.forEach(({ entry }, i) => {
    const d = digests.files[i]
    if (d.integrity !== entry.integrity) mismatches.push({ kind: 'hash', path: entry.path })
    if (entry.blocks !== undefined) {
      const bad: number[] = []
      entry.blocks.forEach((b, k) => { if (d.blocks?.[k] !== b) bad.push(k) })
      if (bad.length > 0) mismatches.push({ kind: 'blocks', path: entry.path, blocks: bad })
    }
  })
  if (piecesChecked) {
    const pl = torrent!.pieceLength
    const bad: number[] = []
    for (let p = 0; p * 20 < digests.pieces.length; p++) {
      if (!digests.pieces.subarray(p * 20, p * 20 + 20).equals(torrent!.pieces.subarray(p * 20, p * 20 + 20))) bad.push(p)
    }
    if (bad.length > 0) {
      const paths = new Set<string>()
      for (const p of bad) {
        for (const e of entries) {
          if (e.offset < (p + 1) * pl && e.offset + e.size > p * pl) paths.add(e.path)
        }
      }
      mismatches.push({ kind: 'pieces', count: bad.length, first: bad.slice(0, MAX_LISTED_PIECES), paths: [...paths] })
    }
  }

  return { ok: mismatches.length === 0, infoHash: manifest.infoHash, files: entries.length, bytes, piecesChecked, mismatches }
}

function compareFileTable (manifest: Manifest, entries: Entry[], torrent: ParsedTorrent): string | null {
  if (torrent.name !== TORRENT_NAME) return `torrent name is ${JSON.stringify(torrent.name)}, expected ${JSON.stringify(TORRENT_NAME)}`
  if (torrent.pieceLength !== manifest.pieceLength) return `torrent piece length ${torrent.pieceLength} differs from the manifest's ${manifest.pieceLength}`
  const expected = torrentFiles(entries, torrent.pieceLength)
  if (torrent.files.length !== expected.length) return `torrent lists ${torrent.files.length} files, the manifest ${expected.length} (with padding)`
  for (let i = 0; i < expected.length; i++) {
    const t = torrent.files[i]
    const e = expected[i]
    if (t.segments.join('/') !== e.segments.join('/') || t.size !== e.size) {
      return `torrent file ${i} is ${JSON.stringify(t.segments.join('/'))} (${t.size} bytes), the manifest has ${JSON.stringify(e.segments.join('/'))} (${e.size} bytes) at that position`
    }
  }
  const expectedPieces = entries.reduce((n, e) => n + Math.ceil(e.size / torrent.pieceLength), 0)
  if (torrent.pieces.length / 20 !== expectedPieces) return `torrent has ${torrent.pieces.length / 20} piece hashes for ${expectedPieces} pieces`
  return null
}

export function describeMismatch (m: Mismatch): string {
  switch (m.kind) {
    case 'missing': return `${m.path}: missing`
    case 'not-a-file': return `${m.path}: not a regular file`
    case 'bad-path': return `${m.path}: cannot name a file (${m.reason})`
    case 'size': return `${m.path}: size differs (manifest ${m.expected} bytes, file ${m.actual} bytes)`
    case 'hash': return `${m.path}: hash differs (SHA-256 of the file does not match its integrity)`
    case 'blocks': return `${m.path}: block${m.blocks.length > 1 ? 's' : ''} ${m.blocks.join(', ')} differ${m.blocks.length > 1 ? '' : 's'}`
    case 'torrent-missing': return `${m.path}: torrent missing`
    case 'torrent-invalid': return `${m.path}: torrent unreadable (${m.reason})`
    case 'torrent-infohash': return `torrent: info hash ${m.actual} differs from the manifest's ${m.expected}`
    case 'torrent-files': return `torrent: ${m.reason}`
    case 'pieces': return `torrent: ${m.count} piece hash${m.count > 1 ? 'es differ' : ' differs'} from the current bytes (piece ${m.first.join(', ')}${m.count > m.first.length ? ', ...' : ''}; ${m.paths.join(', ')})`
  }
}

export function registerVerify (program: Command): void {
  program
    .command('verify')
    .description('re-hash the assets of a published <dir> against swarmcdn.json and the release torrent; exit 1 on any mismatch')
    .argument('<dir>', 'the published site folder')
    .option('--json', 'print one JSON object instead of the report')
    .action(async (dir: string, flags: { json?: boolean }) => {
      const result = await verify(dir)
      if (flags.json === true) {
        process.stdout.write(JSON.stringify({ ...result, problems: result.mismatches.map(describeMismatch) }) + '\n')
      } else if (result.ok) {
        process.stdout.write(`OK: ${result.files} files, ${result.bytes} bytes match ${MANIFEST_FILE}; torrent ${result.infoHash} pieces match\n`)
      } else {
        process.stdout.write(`${dir}: ${result.mismatches.length} problem(s)\n${result.mismatches.map((m) => `  ${describeMismatch(m)}`).join('\n')}\n`)
      }
      if (!result.ok) process.exitCode = 1
    })
}
