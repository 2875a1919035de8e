// Turning verified assets (Cache Storage) into torrent pieces, so a visitor who
// got an asset from the origin or the cache seeds it. Assets are piece-aligned
// (zero padding between them), so an asset alone makes all of its pieces;
// every piece is also checked against the torrent's SHA-1
// before it is offered, so a manifest/torrent mismatch can never make us send
// bytes another peer would reject.
import type { Manifest, ManifestAsset } from '../shared/manifest.js'
import { ASSET_CACHE, assetCacheKey, blockCacheKey } from '../shared/cache-keys.js'

interface Placed { path: string, asset: ManifestAsset, start: number, end: number }

export class PieceMap {
  readonly total: number
  readonly numPieces: number
  private readonly placed: Placed[]

  constructor (readonly manifest: Manifest, readonly pieceLength: number) {
    this.placed = Object.entries(manifest.assets)
      .map(([path, asset]) => ({ path, asset, start: asset.offset, end: asset.offset + asset.size }))
      .sort((a, b) => a.start - b.start)
    this.total = this.placed.length ? this.placed[this.placed.length - 1]!.end : 0
    this.numPieces = Math.ceil(this.total / pieceLength)
  }

  pieceBounds (i: number): [number, number] {
    return [i * this.pieceLength, Math.min(this.total, (i + 1) * this.pieceLength)]
  }

  /** Assets overlapping piece i, in order (binary search on offsets). */
  assetsOf (i: number): Placed[] {
    const [a, b] = this.pieceBounds(i)
    let lo = 0
    let hi = this.placed.length - 1
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      if (this.placed[mid]!.end <= a) lo = mid + 1
      else hi = mid
    }
    const out: Placed[] = []
    for (let k = lo; k < this.placed.length && this.placed[k]!.start < b; k++) out.push(this.placed[k]!)
    return out
  }

  /** Pieces overlapping an asset. */
  piecesOf (asset: ManifestAsset): [number, number] {
    return [Math.floor(asset.offset / this.pieceLength), Math.floor((asset.offset + asset.size - 1) / this.pieceLength)]
  }
}

function hex (buf: ArrayBuffer): string {
  return Array.from(new Uint8Array(buf), (b) => b.toString(16).padStart(2, '0')).join('')
}

/** Reads verified asset blobs (or their blocks) from Cache Storage, memoised for one import pass. */
export class CacheReader {
  private blobs = new Map<string, Promise<Blob | null>>()
  private cache: Promise<Cache> | null = null
  constructor (private readonly scope: string) {}

  private read (key: string, url: string, size: number): Promise<Blob | null> {
    let p = this.blobs.get(key)
    if (!p) {
      this.cache ??= caches.open(ASSET_CACHE)
      p = this.cache.then((c) => c.match(url))
        .then(async (res) => {
          if (!res) return null
          const b = await res.blob()
          return b.size === size ? b : null
        })
        .catch(() => null)
      this.blobs.set(key, p)
    }
    return p
  }

  blob (asset: ManifestAsset): Promise<Blob | null> {
    return this.read(asset.integrity, assetCacheKey(this.scope, asset.integrity), asset.size)
  }

  /**
   * Bytes [from, to) of an asset: from the whole asset, or else from its
   * separately kept verified blocks (a video visitors only streamed by Range).
   */
  async range (asset: ManifestAsset, from: number, to: number): Promise<Blob | null> {
    const whole = await this.blob(asset)
    if (whole) return whole.slice(from, to)
    if (!asset.blocks || !asset.blockSize) return null
    const bs = asset.blockSize
    const parts: Blob[] = []
    for (let i = Math.floor(from / bs); i * bs < to; i++) {
      const len = Math.min(asset.size, (i + 1) * bs) - i * bs
      const block = await this.read(`${asset.integrity}?block=${i}`, blockCacheKey(this.scope, asset.integrity, i), len)
      if (!block) return null
      parts.push(block.slice(Math.max(from, i * bs) - i * bs, Math.min(to, (i + 1) * bs) - i * bs))
    }
    return new Blob(parts)
  }
}

/**
 * Builds and SHA-1-checks the given pieces from cached assets. Pieces whose
 * assets are not all cached, or that fail SHA-1, are skipped.
 */
export async function buildPieces (
  map: PieceMap,
  hashes: string[],
  indices: Iterable<number>,
  reader: CacheReader,
  onPiece: (index: number, buf: Uint8Array) => void
): Promise<number> {
  let built = 0
  const queue = [...indices]
  const worker = async (): Promise<void> => {
    for (let i = queue.shift(); i !== undefined; i = queue.shift()) {
      const [a, b] = map.pieceBounds(i)
      const parts: Blob[] = []
      let ok = true
      for (const p of map.assetsOf(i)) {
        const part = await reader.range(p.asset, Math.max(a, p.start) - p.start, Math.min(b, p.end) - p.start)
        if (!part) { ok = false; break }
        parts.push(part)
      }
      if (!ok || parts.length === 0) continue
      // Assets start on piece boundaries: what follows the asset's last byte
      // inside its last piece is zero padding (padAfter in the manifest).
      const have = parts.reduce((n, p) => n + p.size, 0)
      if (have < b - a) parts.push(new Blob([new Uint8Array(b - a - have)]))
      const buf = new Uint8Array(await new Blob(parts).arrayBuffer())
      if (buf.length !== b - a) continue
      if (hex(await crypto.subtle.digest('SHA-1', buf)) !== hashes[i]) continue
      onPiece(i, buf)
      built++
    }
  }
  // A few reads in flight keep Cache Storage busy without flooding it.
  await Promise.all([worker(), worker(), worker(), worker()])
  return built
}
