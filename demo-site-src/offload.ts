// Swarm-wide offload from the origin's own counters, the one figure no visitor
// can inflate. The origin cannot see peer traffic, so "what visitors needed"
// is derived from what it does see: page views (navigations always reach the
// origin) times the assets the manifest's page graph lists for each page.

export interface ManifestAsset { size: number, type: string }
export interface ManifestPage { assets: string[], links: string[] }
export interface Manifest {
  infoHash: string
  assets: Record<string, ManifestAsset>
  pages?: Record<string, ManifestPage>
}
export interface PathCounters { bytes: number, requests: number }

export interface SwarmOffload {
  /** Page views by page key, from the origin's navigation counters. */
  views: Record<string, number>
  /** Bytes of counted assets that page views needed (views × size, summed). */
  needed: number
  /** Bytes of those same assets the origin actually sent. */
  fromOrigin: number
  /** 1 − fromOrigin / needed, or null before any page view. */
  offload: number | null
  /** Per counted asset: page views that needed it. */
  neededViews: Record<string, number>
}

/**
 * Streamed media are left out on both sides: a visitor watches part of a
 * video, so views × size would overstate what was needed and flatter the ratio.
 */
export function counted (asset: ManifestAsset): boolean {
  return !/^(video|audio)\//.test(asset.type)
}

/** Origin paths a page key is requested under: `/` is also `/index.html`. */
export function pageRequestPaths (key: string): string[] {
  return key.endsWith('/') ? [key, `${key}index.html`, `${key}index.htm`] : [key]
}

export function swarmOffload (manifest: Manifest, byPath: Record<string, PathCounters>): SwarmOffload {
  const views: Record<string, number> = {}
  const neededViews: Record<string, number> = {}
  for (const [key, page] of Object.entries(manifest.pages ?? {})) {
    const n = pageRequestPaths(key).reduce((sum, p) => sum + (byPath[p]?.requests ?? 0), 0)
    views[key] = n
    for (const path of new Set(page.assets)) {
      const a = manifest.assets[path]
      if (a === undefined || !counted(a)) continue
      neededViews[path] = (neededViews[path] ?? 0) + n
    }
  }
  let needed = 0
  let fromOrigin = 0
  for (const [path, n] of Object.entries(neededViews)) {
    needed += n * (manifest.assets[path]?.size ?? 0)
    fromOrigin += byPath[path]?.bytes ?? 0
  }
  return { views, needed, fromOrigin, offload: needed > 0 ? 1 - fromOrigin / needed : null, neededViews }
}

/** The best any swarm of N visitors can do: one of them has to fetch from the origin. */
export function ceiling (peers: number): number {
  return peers > 1 ? (peers - 1) / peers : 0
}

export interface Reported { bytesFromPeers: number, bytesUploaded: number, confirmedPeerBytes: number, reports: number }

export interface PeerOffload {
  /** Bytes visitors' pages received from peers that uploaders also vouch for: min(reported downloads, reported uploads). */
  fromPeers: number
  /** Bytes the origin sent for any asset of the manifest, streamed media included (its own counter). */
  fromOrigin: number
  /** fromPeers ÷ (fromPeers + fromOrigin), or null before any reported or origin asset byte. */
  offload: number | null
}

/**
 * The headline offload: of the asset bytes that reached visitors' pages over
 * the network, the share peers delivered. Every asset counts (a film's Range
 * responses too), and a browser-cache hit is in neither term: nobody
 * downloaded it, so it saved the origin nothing it would otherwise have sent.
 */
export function peerOffload (manifest: Manifest, byPath: Record<string, PathCounters>, reported: Reported | undefined): PeerOffload {
  let fromOrigin = 0
  for (const path of Object.keys(manifest.assets)) fromOrigin += byPath[path]?.bytes ?? 0
  const fromPeers = reported?.confirmedPeerBytes ?? 0
  return { fromPeers, fromOrigin, offload: fromPeers + fromOrigin > 0 ? fromPeers / (fromPeers + fromOrigin) : null }
}
