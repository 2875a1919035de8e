// Walks a site folder and decides which files are P2P assets and which are
// pages. Everything that would make the release wrong or unaddressable is a
// CliError naming the offending path; nothing here writes.
import { readdirSync, realpathSync, statSync, type Dirent, type Stats } from 'node:fs'
import { join, relative, sep } from 'node:path'
import picomatch from 'picomatch'
import { MANIFEST_FILE, RUNTIME_FILES, TORRENT_DIR } from '../shared/manifest.js'
import { CliError } from './errors.js'
import { unaddressableReason, urlPathOf } from './url-path.js'

/**
 * More files than this is not one swarm: every visitor's engine holds the whole
 * file table, and the manifest (~150 bytes per asset) passes 7 MB.
 */
export const MAX_ASSETS = 50_000

/**
 * 4 GiB at the default 16 KiB piece length is 262,144 pieces: a 5 MiB .torrent
 * that every leader tab downloads before it can share anything.
 */
export const MAX_TOTAL_BYTES = 4 * 1024 ** 3

/** Prefix of publish's own temporary files; never walked. */
export const TEMP_PREFIX = '.swarmcdn-tmp-'

export interface TreeFile {
  /** POSIX path relative to the root, decoded (what the torrent stores). */
  rel: string
  segments: string[]
  /** Absolute filesystem path. */
  abs: string
  size: number
  /** URL path as a browser sends it: the manifest key. */
  urlPath: string
}

export interface WalkOptions {
  /** When given, only files matching one of these globs are assets. */
  include?: readonly string[]
  /** Files (or whole folders) matching one of these globs are skipped. */
  exclude?: readonly string[]
  /** Override MAX_ASSETS / MAX_TOTAL_BYTES (tests). */
  limits?: { maxAssets: number, maxBytes: number }
}

export interface WalkResult {
  /** Assets sorted by urlPath (byte-wise; URL paths are ASCII). */
  assets: TreeFile[]
  /** HTML pages (never assets), sorted by urlPath. */
  pages: TreeFile[]
  totalBytes: number
  /** Files seen but left out (dotfiles, source maps, empty, excluded, not included). */
  skipped: number
}

const PAGE_EXT = /\.html?$/i
const SOURCE_MAP = /\.map$/i
const UNIX_DIR_SEP = '/'

function formatLimit (bytes: number): string {
  return bytes >= 1024 ** 3 ? `${bytes / 1024 ** 3} GiB` : `${bytes} bytes`
}

function display (rel: string): string {
  // JSON quoting makes control characters and odd bytes visible in the message.
  return JSON.stringify(rel)
}

/** Names at the site root that publish writes itself. */
function isOwnOutput (name: string): boolean {
  return name === MANIFEST_FILE || name === TORRENT_DIR || (RUNTIME_FILES as readonly string[]).includes(name)
}

function isInside (rootReal: string, target: string): boolean {
  return target === rootReal || target.startsWith(rootReal.endsWith(sep) ? rootReal : rootReal + sep)
}

/**
 * Rules, in order:
 * 1. Never: `swarmcdn.json`, `swarmcdn/`, the runtime files (all at the root),
 *    publish's own temporary files.
 * 2. `--exclude` matches (on the file or any parent folder) are skipped.
 * 3. Dotfiles and dot-folders are skipped, unless `--include` is given and a
 *    pattern names the dot path explicitly (picomatch's default `dot: false`:
 *    `**` does not match `.git/x`, `.well-known/**` matches `.well-known/x`).
 * 4. `.html`/`.htm` files are pages, never assets.
 * 5. Empty files are skipped (nothing to offload).
 * 6. Source maps (`*.map`) are skipped unless an `--include` pattern matches.
 * 7. With `--include`, only matching files are assets.
 * Symlinks are followed only when their target stays inside the tree.
 */
export function walkTree (root: string, options: WalkOptions = {}): WalkResult {
  let rootStat: Stats
  try {
    rootStat = statSync(root)
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new CliError('dir-missing', `${root}: no such directory`, { cause: err })
    throw new CliError('unreadable', `${root}: cannot read (${code ?? String(err)})`, { cause: err })
  }
  if (!rootStat.isDirectory()) throw new CliError('not-a-directory', `${root} is not a directory`)
  const rootReal = realpathSync(root)

  const include = options.include !== undefined && options.include.length > 0 ? picomatch([...options.include]) : null
  const exclude = options.exclude !== undefined && options.exclude.length > 0 ? picomatch([...options.exclude], { dot: true }) : null

  const maxAssets = options.limits?.maxAssets ?? MAX_ASSETS
  const maxBytes = options.limits?.maxBytes ?? MAX_TOTAL_BYTES
  const assets: TreeFile[] = []
  const pages: TreeFile[] = []
  let totalBytes = 0
  let skipped = 0
  // Real paths of the folders on the current path: a symlink to one of them is a loop.
  const ancestors = new Set<string>([rootReal])

  const visit = (dirAbs: string, segments: string[]): void => {
    let entries: Array<Dirent<Buffer>>
    try {
      entries = readdirSync(dirAbs, { withFileTypes: true, encoding: 'buffer' })
    } catch (err) {
      const rel = segments.join(UNIX_DIR_SEP)
      throw new CliError('unreadable', `cannot read folder ${display(rel)}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, { cause: err })
    }
    // Sorted for deterministic error messages; the asset order is fixed by urlPath later.
    entries.sort((a, b) => Buffer.compare(a.name, b.name))
    for (const entry of entries) {
      const name = entry.name.toString('utf8')
      const segs = [...segments, name]
      const rel = segs.join(UNIX_DIR_SEP)
      const abs = join(dirAbs, name)
      const atRoot = segments.length === 0
      if (atRoot && isOwnOutput(name)) continue
      if (name.startsWith(TEMP_PREFIX)) continue
      if (exclude?.(rel) === true) { skipped++; continue }
      if (name.startsWith('.') && include === null) { skipped++; continue }
      if (!Buffer.from(name, 'utf8').equals(entry.name)) {
        throw new CliError('bad-name', `${display(rel)} cannot be addressed by a URL (name is not valid UTF-8); rename it or exclude it with --exclude`)
      }

      let isDir = entry.isDirectory()
      let isFile = entry.isFile()
      let stat: Stats | null = null
      if (entry.isSymbolicLink()) {
        let target: string
        try {
          stat = statSync(abs)
          target = realpathSync(abs)
        } catch (err) {
          throw new CliError('unreadable', `${display(rel)} is a broken symlink (${(err as NodeJS.ErrnoException).code ?? String(err)})`, { cause: err })
        }
        if (!isInside(rootReal, target)) {
          throw new CliError('symlink-escape', `${display(rel)} is a symlink to ${target}, outside the published folder; copy the file in or exclude it`)
        }
        // A link to publish's own outputs would make the release depend on the previous one.
        if (isOwnOutput(relative(rootReal, target).split(sep)[0])) { skipped++; continue }
        isDir = stat.isDirectory()
        isFile = stat.isFile()
      }

      if (isDir) {
        // A second link to a sibling folder is walked again (the server serves
        // both URLs); a link back to an ancestor would never end.
        const real = realpathSync(abs)
        if (ancestors.has(real)) { skipped++; continue }
        ancestors.add(real)
        visit(abs, segs)
        ancestors.delete(real)
        continue
      }
      if (!isFile) {
        throw new CliError('unreadable', `${display(rel)} is not a regular file (FIFO, socket or device); exclude it`)
      }

      if (PAGE_EXT.test(name)) {
        // Pages under a dot folder (reachable only with --include) are never pages of the site.
        if (unaddressableReason(segs) === null && !segs.some((s) => s.startsWith('.'))) {
          stat ??= statSync(abs)
          pages.push({ rel, segments: segs, abs, size: stat.size, urlPath: urlPathOf(segs) })
        } else {
          skipped++
        }
        continue
      }
      if (include !== null && !include(rel)) { skipped++; continue }
      if (include === null && SOURCE_MAP.test(name)) { skipped++; continue }
      stat ??= statSync(abs)
      if (stat.size === 0) { skipped++; continue }

      const reason = unaddressableReason(segs)
      if (reason !== null) {
        throw new CliError('bad-name', `${display(rel)} cannot be addressed by a URL (${reason}); rename it or exclude it with --exclude`)
      }
      assets.push({ rel, segments: segs, abs, size: stat.size, urlPath: urlPathOf(segs) })
      totalBytes += stat.size
      if (assets.length > maxAssets) {
        throw new CliError('too-large', `more than ${maxAssets} assets in ${root}: too many for one swarm; publish a part of the site with --include/--exclude`)
      }
      if (totalBytes > maxBytes) {
        throw new CliError('too-large', `assets in ${root} add up to more than ${formatLimit(maxBytes)}: too large for one swarm; publish a part of the site with --include/--exclude`)
      }
    }
  }
  visit(root, [])

  if (assets.length === 0) {
    throw new CliError('empty', `no assets to publish in ${root} (${pages.length} page(s), ${skipped} other file(s) skipped: dotfiles, source maps, empty, excluded or not included files)`)
  }
  const byUrl = (a: TreeFile, b: TreeFile): number => (a.urlPath < b.urlPath ? -1 : a.urlPath > b.urlPath ? 1 : 0)
  assets.sort(byUrl)
  pages.sort(byUrl)
  for (let i = 1; i < assets.length; i++) {
    if (assets[i].urlPath === assets[i - 1].urlPath) {
      throw new CliError('bad-name', `${display(assets[i - 1].rel)} and ${display(assets[i].rel)} map to the same URL ${assets[i].urlPath}`)
    }
  }
  return { assets, pages, totalBytes, skipped }
}
