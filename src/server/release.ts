// Follows `<dir>/swarmcdn.json` while serving, so a publish during a run takes
// effect without a restart. The previous release stays known too: visitors
// still on v1 keep their swarm while v2 rolls out.
import { readFile, stat } from 'node:fs/promises'
import { parseManifest, releaseLength, type Manifest } from '../shared/manifest.js'
import type { ReleaseStatsJson } from './stats.js'
import { debug } from './debug.js'

const log = debug('release')

/** Within this age, a cached answer "this infohash is allowed" is trusted without a stat. */
const ALLOWED_CACHE_MS = 1000

/** Coarsest file timestamp granularity we expect (FAT and some network file systems: 2 s). */
const RACY_WINDOW_MS = 2000

export class ReleaseWatcher {
  current: Manifest | null = null
  /** mtime of the manifest file `current` was read from. */
  private currentMtimeMs = 0
  previous: Manifest | null = null
  private fileKey = ''
  private text = ''
  private checkedAt = 0
  private inflight: Promise<void> | null = null

  /**
   * @param file path of swarmcdn.json
   * @param warn called once per change of the file with a problem (missing, unreadable, invalid)
   */
  constructor (readonly file: string, private readonly warn: (msg: string) => void) {}

  /** Re-reads the manifest if the file changed since the last look (one stat when it did not). */
  refresh (): Promise<void> {
    this.inflight ??= this.check().finally(() => { this.inflight = null })
    return this.inflight
  }

  private async check (): Promise<void> {
    let key: string
    let mtimeMs = 0
    try {
      const s = await stat(this.file)
      key = `${s.ino}:${s.size}:${s.mtimeMs}:${s.ctimeMs}`
      mtimeMs = s.mtimeMs
    } catch {
      key = 'missing'
    }
    const now = Date.now()
    this.checkedAt = now
    // Like git's "racy clean" check: a file modified within the timestamp
    // granularity may change again without its stat changing (same inode and
    // size, same coarse mtime), so a recent file is re-read until it settles.
    const racy = key !== 'missing' && now - mtimeMs < RACY_WINDOW_MS
    if (key === this.fileKey && !racy) return
    this.fileKey = key
    if (key === 'missing') {
      this.text = ''
      if (this.current) this.adopt(null)
      this.warn(`no ${this.file}: serving as a plain static server; the tracker admits no release (run \`swarmcdn publish\` on the folder)`)
      return
    }
    try {
      const text = await readFile(this.file, 'utf8')
      if (text === this.text) return
      this.text = text
      const manifest = parseManifest(JSON.parse(text) as unknown)
      this.currentMtimeMs = mtimeMs
      if (manifest.infoHash !== this.current?.infoHash) this.adopt(manifest)
      else this.current = manifest
    } catch (err) {
      // Keep the last good release: a half-written file must not cut the swarm off.
      this.warn(`${this.file} is not a valid manifest (${err instanceof Error ? err.message : String(err)}); keeping the previous release`)
    }
  }

  private adopt (next: Manifest | null): void {
    log('release', this.current?.infoHash ?? null, '->', next?.infoHash ?? null)
    if (this.current) this.previous = this.current
    this.current = next
  }

  /** Infohashes the tracker admits: the current release and the one before it. */
  knownInfoHashes (): string[] {
    return [this.current?.infoHash, this.previous?.infoHash].filter((h): h is string => h !== undefined)
  }

  /**
   * True if `infoHash` is the current or previous release. A recent positive
   * answer is served from memory (announces are frequent); a negative one is
   * always re-checked, so a release published a moment ago is admitted.
   */
  async admits (infoHash: string): Promise<boolean> {
    if (Date.now() - this.checkedAt < ALLOWED_CACHE_MS && this.knownInfoHashes().includes(infoHash)) return true
    await this.refresh()
    return this.knownInfoHashes().includes(infoHash)
  }

  /** Manifest type of a URL path, if it is an asset of the current release. */
  assetType (path: string): string | undefined {
    const a = this.current?.assets
    return a !== undefined && Object.hasOwn(a, path) ? a[path]!.type : undefined
  }

  /**
   * The manifest's integrity for a URL path, with what vouches for the file on
   * disk (its size, and the manifest's mtime: a file changed after the
   * manifest was written is not the published one).
   */
  published (path: string): { integrity: string, size: number, manifestMtimeMs: number } | undefined {
    const a = this.current?.assets
    if (a === undefined || !Object.hasOwn(a, path)) return undefined
    return { integrity: a[path]!.integrity, size: a[path]!.size, manifestMtimeMs: this.currentMtimeMs }
  }

  isAsset (path: string): boolean {
    const a = this.current?.assets
    return a !== undefined && Object.hasOwn(a, path)
  }

  summary (): ReleaseStatsJson | null {
    const m = this.current
    if (!m) return null
    return { infoHash: m.infoHash, assets: Object.keys(m.assets).length, bytes: releaseLength(m) }
  }
}
