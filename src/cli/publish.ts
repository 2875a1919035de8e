// `swarmcdn publish <dir>`: hash a site's assets, write the release torrent and
// the manifest, copy the runtime files. All-or-nothing (see commit.ts).
import { readdir, unlink } from 'node:fs/promises'
import { join } from 'node:path'
import type { Command } from 'commander'
import {
  DEFAULT_BLOCK_SIZE, MANIFEST_FILE, MANIFEST_VERSION, TORRENT_DIR,
  parseManifest, type Manifest, type ManifestAsset, padAfter } from '../shared/manifest.js'
import { commitOutputs, type Output } from './commit.js'
import { contentTypeOf } from './content-type.js'
import { hashRelease } from './hash.js'
import { serializeManifest } from './manifest-json.js'
import { parseBase, parsePieceLength, parseTrackers } from './options.js'
import { packageInfo, runtimeSources } from './package-root.js'
import { buildPageGraph } from './pages.js'
import { createProgress } from './progress.js'
import { buildTorrent, PADDING_ATTR, torrentFiles } from './torrent.js'
import { writePadding } from './padding.js'
import { walkTree, type TreeFile } from './walk.js'

export interface PublishOptions {
  /** The site folder. */
  dir: string
  /** Tracker URLs (absolute ws(s):// or same-origin paths); default `["/announce"]`. */
  trackers?: string[]
  /** Globs (POSIX, relative to `dir`): when given, only matching files are assets. */
  include?: string[]
  /** Globs of files or folders to leave out. */
  exclude?: string[]
  /** Power of two from 16 KiB to 16 MiB; default 16 KiB. Also accepts `64k`, `1m`. */
  pieceLength?: number | string
  /** Copy swarmcdn.js, swarmcdn-sw.js, swarmcdn-engine.js from the package's dist/ (default true). */
  copyRuntime?: boolean
  /** Folder to copy the runtime files from (default: this package's dist/). */
  runtimeDir?: string
  onProgress?: (bytesDone: number, bytesTotal: number) => void
  /** Non-fatal problems (e.g. a page that is not UTF-8). Default: printed on stderr. */
  onWarning?: (message: string) => void
  /** URL path the site is served under (`/docs/`); default `/`. */
  base?: string
}

export interface PublishResult {
  infoHash: string
  /** Number of assets. */
  files: number
  /** Total asset bytes. */
  bytes: number
  pieces: number
  pieceLength: number
  trackers: string[]
  /** Number of pages in the page graph. */
  pages: number
  manifestPath: string
  torrentPath: string
  /** Runtime files written into `dir` (empty with copyRuntime: false). */
  runtime: string[]
  warnings: string[]
  manifest: Manifest
}

const STALE_TORRENT = /^[0-9a-f]{40}\.torrent$/

export async function publish (options: PublishOptions): Promise<PublishResult> {
  const dir = options.dir
  const warnings: string[] = []
  const warn = (message: string): void => {
    warnings.push(message)
    if (options.onWarning !== undefined) options.onWarning(message)
    else process.stderr.write(`swarmcdn: warning: ${message}\n`)
  }

  // Everything that can be refused is refused before a byte is written.
  const pieceLength = parsePieceLength(options.pieceLength)
  const prefix = parseBase(options.base).slice(0, -1)
  const trackers = parseTrackers(options.trackers)
  const tree = walkTree(dir, { include: options.include, exclude: options.exclude })
  const runtime = options.copyRuntime === false ? [] : runtimeSources(options.runtimeDir)

  const digests = await hashRelease(tree.assets, { pieceLength, onProgress: options.onProgress })
  const { torrent, infoHash } = buildTorrent({ files: tree.assets, pieceLength, pieces: digests.pieces, trackers })

  const assets: Record<string, ManifestAsset> = {}
  let offset = 0
  tree.assets.forEach((file: TreeFile, i) => {
    const d = digests.files[i]
    const asset: ManifestAsset = { size: file.size, type: contentTypeOf(file.segments[file.segments.length - 1]), integrity: d.integrity, offset }
    if (d.blocks !== undefined) {
      asset.blockSize = DEFAULT_BLOCK_SIZE
      asset.blocks = d.blocks
    }
    assets[prefix + file.urlPath] = asset
    offset += file.size + padAfter(file.size, pieceLength)
  })
  const graph = buildPageGraph({ pages: tree.pages, assets: new Map(tree.assets.map((f) => [f.urlPath, f])), base: prefix, warn })
  // Under a base, every path of the graph is the URL path under it.
  const pages = prefix === '' ? graph : Object.fromEntries(Object.entries(graph).map(([p, e]) => [prefix + p, { assets: e.assets.map((a) => prefix + a), links: e.links.map((l) => prefix + l) }]))

  const torrentRel = `${TORRENT_DIR}/${infoHash}.torrent`
  const manifest: Manifest = {
    version: MANIFEST_VERSION,
    infoHash,
    torrent: torrentRel,
    pieceLength,
    trackers,
    assets,
    pages,
    generator: `swarmcdn ${packageInfo().version}`
  }
  const json = serializeManifest(manifest)
  // Self-check: what we write must be what every runtime accepts.
  parseManifest(JSON.parse(json))

  const manifestPath = join(dir, MANIFEST_FILE)
  const torrentPath = join(dir, TORRENT_DIR, `${infoHash}.torrent`)
  const outputs: Output[] = [
    ...runtime.map((r) => ({ path: join(dir, r.name), copyFrom: r.path })),
    { path: torrentPath, data: torrent },
    { path: manifestPath, data: json }
  ]
  await commitOutputs(outputs)

  // Zero padding on disk, so clients that ignore BEP 47 (WebTorrent) can seed
  // this folder as it is. Seeding is optional: a failure here is a warning.
  const padSizes = torrentFiles(tree.assets, pieceLength).filter((f) => f.attr === PADDING_ATTR).map((f) => f.size)
  await writePadding(dir, padSizes).catch((err: unknown) => warn(`could not write the padding files in ${dir}/.pad (needed only to seed with a BitTorrent client): ${String(err)}`))

  // Previous releases' torrents go only once the new manifest points elsewhere.
  const torrentDir = join(dir, TORRENT_DIR)
  for (const name of await readdir(torrentDir)) {
    if (STALE_TORRENT.test(name) && name !== `${infoHash}.torrent`) {
      await unlink(join(torrentDir, name)).catch((err: unknown) => warn(`could not remove stale ${TORRENT_DIR}/${name}: ${String(err)}`))
    }
  }

  return {
    infoHash,
    files: tree.assets.length,
    bytes: tree.totalBytes,
    pieces: digests.pieces.length / 20,
    pieceLength,
    trackers,
    pages: Object.keys(pages).length,
    manifestPath,
    torrentPath,
    runtime: runtime.map((r) => r.name),
    warnings,
    manifest
  }
}

function collect (value: string, previous: string[]): string[] {
  return [...previous, value]
}

function formatBytes (n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB']
  let v = n
  let u = 0
  while (v >= 1024 && u < units.length - 1) { v /= 1024; u++ }
  return `${u === 0 ? v : v.toFixed(1)} ${units[u]}`
}

interface PublishFlags {
  tracker: string[]
  include: string[]
  exclude: string[]
  pieceLength?: string
  base?: string
  runtime: boolean
  json?: boolean
}

export function registerPublish (program: Command): void {
  program
    .command('publish')
    .description('hash the assets of <dir>, write <dir>/swarmcdn.json and the release torrent, copy the runtime files')
    .argument('<dir>', 'the built site folder')
    .option('--tracker <url>', 'tracker (ws://, wss:// or a same-origin path); repeatable; replaces the default /announce', collect, [])
    .option('--include <glob>', 'only publish matching files (relative POSIX paths); repeatable', collect, [])
    .option('--exclude <glob>', 'leave out matching files or folders; repeatable', collect, [])
    .option('--piece-length <n>', 'torrent piece length: power of two, 16384..16777216 (also 64k, 1m)')
    .option('--base <path>', 'URL path the site is served under, e.g. /docs/ (default /): manifest paths and the service worker scope')
    .option('--no-runtime', 'do not copy swarmcdn.js, swarmcdn-sw.js, swarmcdn-engine.js')
    .option('--json', 'print one JSON object instead of the summary')
    .action(async (dir: string, flags: PublishFlags) => {
      const started = performance.now()
      const progress = flags.json === true ? null : createProgress(process.stderr)
      let result: PublishResult
      try {
        result = await publish({
          dir,
          trackers: flags.tracker,
          include: flags.include,
          exclude: flags.exclude,
          pieceLength: flags.pieceLength,
          base: flags.base,
          copyRuntime: flags.runtime,
          onProgress: progress?.update
        })
      } finally {
        progress?.stop()
      }
      const elapsedMs = Math.round(performance.now() - started)
      if (flags.json === true) {
        process.stdout.write(JSON.stringify({
          infoHash: result.infoHash,
          files: result.files,
          bytes: result.bytes,
          pieces: result.pieces,
          pieceLength: result.pieceLength,
          trackers: result.trackers,
          pages: result.pages,
          manifest: result.manifestPath,
          torrent: result.torrentPath,
          runtime: result.runtime,
          warnings: result.warnings,
          elapsedMs
        }) + '\n')
        return
      }
      process.stdout.write([
        `published ${result.files} files, ${formatBytes(result.bytes)} (${result.bytes} bytes) in ${(elapsedMs / 1000).toFixed(1)} s`,
        `  infohash  ${result.infoHash}`,
        `  pieces    ${result.pieces} x ${formatBytes(result.pieceLength)}`,
        `  pages     ${result.pages}`,
        `  trackers  ${result.trackers.join(' ')}`,
        `  manifest  ${result.manifestPath}`,
        `  torrent   ${result.torrentPath}`,
        result.runtime.length > 0 ? `  runtime   ${result.runtime.join(', ')}` : '  runtime   not copied (--no-runtime)'
      ].join('\n') + '\n')
    })
}
