// Options are data-* attributes on the script tag (DESIGN section 3).
export interface LoaderOptions {
  /** data-manifest: manifest URL (default /swarmcdn.json). */
  manifest: string
  /** data-sw: service worker script (default swarmcdn-sw.js beside the loader). */
  sw: string
  /** data-engine: engine module (default swarmcdn-engine.js beside the loader). */
  engine: string
  /** data-scope: SW scope (default the site root). */
  scope: string
  /** data-opt-in: P2P only after window.swarmcdn.optIn(). */
  optIn: boolean
  /** data-ice-servers: JSON list of RTCIceServer. */
  iceServers: RTCIceServer[]
  /** data-upload-limit: bytes per second this visitor may upload (0 = no limit). */
  uploadLimit: number
  /** data-upload-budget: total bytes one page may upload (default 256 MiB). */
  uploadBudget: number
  /** data-prefetch-budget: bytes per visit fetched from peers for linked pages. */
  prefetchBudget: number
  debug: boolean
}

/**
 * Public STUN lets visitors behind ordinary NATs connect; sites with their own
 * STUN/TURN, or none (a LAN, tests), set data-ice-servers.
 */
const DEFAULT_ICE: RTCIceServer[] = [{ urls: 'stun:stun.l.google.com:19302' }]
/** A visitor should never be turned into a free CDN: 256 MiB a page by default. */
const DEFAULT_UPLOAD_BUDGET = 256 * 1024 * 1024
/** Enough for a few linked pages' images on an unmetered connection. */
const DEFAULT_PREFETCH_BUDGET = 16 * 1024 * 1024

function num (v: string | undefined, fallback: number): number {
  if (v === undefined || v.trim() === '') return fallback
  const n = Number(v)
  return Number.isFinite(n) && n >= 0 ? n : fallback
}

export function readOptions (script: HTMLScriptElement | null): LoaderOptions {
  const d = script?.dataset ?? {}
  const base = script?.src || location.href
  let ice = DEFAULT_ICE
  if (d.iceServers !== undefined) {
    try {
      const parsed: unknown = JSON.parse(d.iceServers)
      if (Array.isArray(parsed)) ice = parsed as RTCIceServer[]
    } catch { /* keep the default on a malformed attribute */ }
  }
  return {
    manifest: new URL(d.manifest ?? '/swarmcdn.json', location.href).href,
    sw: new URL(d.sw ?? 'swarmcdn-sw.js', base).href,
    engine: new URL(d.engine ?? 'swarmcdn-engine.js', base).href,
    scope: new URL(d.scope ?? '/', location.href).href,
    optIn: d.optIn !== undefined && d.optIn !== 'false',
    iceServers: ice,
    uploadLimit: num(d.uploadLimit, 0),
    uploadBudget: num(d.uploadBudget, DEFAULT_UPLOAD_BUDGET),
    prefetchBudget: num(d.prefetchBudget, DEFAULT_PREFETCH_BUDGET),
    debug: d.debug !== undefined && d.debug !== 'false'
  }
}
