// Serialises a manifest deterministically: fixed key order, one asset or page
// per line (readable, diff-friendly between releases, close to compact JSON
// for the visitors who fetch it).
import type { Manifest, ManifestAsset, ManifestPage } from '../shared/manifest.js'

function assetJson (a: ManifestAsset): string {
  const ordered: ManifestAsset = { size: a.size, type: a.type, integrity: a.integrity, offset: a.offset }
  if (a.blockSize !== undefined) ordered.blockSize = a.blockSize
  if (a.blocks !== undefined) ordered.blocks = a.blocks
  return JSON.stringify(ordered)
}

function pageJson (p: ManifestPage): string {
  return JSON.stringify({ assets: p.assets, links: p.links })
}

function table<T> (entries: Record<string, T>, row: (v: T) => string): string {
  const lines = Object.entries(entries).map(([k, v]) => `    ${JSON.stringify(k)}: ${row(v)}`)
  return lines.length === 0 ? '{}' : `{\n${lines.join(',\n')}\n  }`
}

export function serializeManifest (m: Manifest): string {
  const fields: string[] = [
    `"version": ${JSON.stringify(m.version)}`
  ]
  if (m.generator !== undefined) fields.push(`"generator": ${JSON.stringify(m.generator)}`)
  fields.push(
    `"infoHash": ${JSON.stringify(m.infoHash)}`,
    `"torrent": ${JSON.stringify(m.torrent)}`,
    `"pieceLength": ${JSON.stringify(m.pieceLength)}`,
    `"trackers": ${JSON.stringify(m.trackers)}`
  )
  if (m.disabled !== undefined) fields.push(`"disabled": ${JSON.stringify(m.disabled)}`)
  fields.push(`"assets": ${table(m.assets, assetJson)}`)
  if (m.pages !== undefined) fields.push(`"pages": ${table(m.pages, pageJson)}`)
  return `{\n  ${fields.join(',\n  ')}\n}\n`
}
