// Where each torrent piece's bytes live: which assets (at which offsets) and
// which verification units of the store. Assets are piece-aligned, so a piece
// holds bytes of one asset, then zero padding.
import type { Manifest, ManifestAsset } from '../shared/manifest.js'
import { holdsUnit, unitsCovering } from '../shared/units.js'

export interface Placed { path: string, asset: ManifestAsset, start: number, end: number }

export class PieceMap {
  readonly total: number
  readonly numPieces: number
  private readonly placed: Placed[]
  /** Assets by integrity: two paths may share bytes (and units). */
  private readonly byIntegrity = new Map<string, Placed[]>()

  constructor (readonly manifest: Manifest, readonly pieceLength: number) {
    this.placed = Object.entries(manifest.assets)
      .map(([path, asset]) => ({ path, asset, start: asset.offset, end: asset.offset + asset.size }))
      .sort((a, b) => a.start - b.start)
    for (const p of this.placed) {
      const list = this.byIntegrity.get(p.asset.integrity) ?? []
      list.push(p)
      this.byIntegrity.set(p.asset.integrity, list)
    }
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

  /** Whether the store's index holds every byte of piece i. */
  held (i: number, index: { has: (k: string) => boolean }): boolean {
    const [a, b] = this.pieceBounds(i)
    const parts = this.assetsOf(i)
    if (!parts.length) return false
    for (const p of parts) {
      const [u0, u1] = unitsCovering(p.asset, Math.max(a, p.start) - p.start, Math.min(b, p.end) - p.start)
      for (let u = u0; u <= u1; u++) if (!holdsUnit(index, p.asset, u)) return false
    }
    return true
  }

  /** Pieces touched by store keys (`integrity` or `integrity?block=N`). */
  piecesOfKeys (keys: Iterable<string>): Set<number> {
    const out = new Set<number>()
    for (const key of keys) {
      const [integrity, block] = key.split('?block=')
      for (const p of this.byIntegrity.get(integrity!) ?? []) {
        let [p0, p1] = this.piecesOf(p.asset)
        if (block !== undefined && p.asset.blockSize) {
          const from = p.start + Number(block) * p.asset.blockSize
          const to = Math.min(p.end, from + p.asset.blockSize)
          p0 = Math.floor(from / this.pieceLength)
          p1 = Math.floor((to - 1) / this.pieceLength)
        }
        for (let i = p0; i <= p1; i++) out.add(i)
      }
    }
    return out
  }

  /** The startup bitfield (BitTorrent bit order, MSB first) of every piece the index holds. */
  bitfield (index: { has: (k: string) => boolean }): Uint8Array {
    const bits = new Uint8Array(Math.ceil(this.numPieces / 8))
    for (let i = 0; i < this.numPieces; i++) if (this.held(i, index)) bits[i >> 3]! |= 128 >> (i % 8)
    return bits
  }
}
