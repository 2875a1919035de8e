// Options are data-* attributes on the script tag (DESIGN section 3).
import { iceServersProblem } from './ice.js'

export interface LoaderOptions {
  /** data-manifest: manifest URL (default swarmcdn.json beside the loader). */
  manifest: string
  /** data-sw: service worker script (default swarmcdn-sw.js beside the loader). */
  sw: string
  /** data-engine: engine module (default swarmcdn-engine.js beside the loader). */
  engine: string
  /** data-scope: SW scope (default the loader's folder, the site's base). */
  scope: string
  /** data-opt-in: P2P only after window.swarmcdn.optIn(). */
  optIn: boolean
  /** data-ice-servers: JSON list of RTCIceServer. */
  iceServers: RTCIceServer[]
  /** data-ice-transport-policy: 'relay' sends every byte through TURN (hides the visitor's address). */
  iceTransportPolicy: RTCIceTransportPolicy
  /** data-ice-url: endpoint answering { iceServers, expiresAt } (time-limited TURN credentials). */
  iceUrl: string | null
  /** data-upload-limit: bytes per second this visitor may upload (0 = no limit). */
  uploadLimit: number
  /** data-upload-budget: total bytes one page may upload (default 256 MiB). */
  uploadBudget: number
  /** data-prefetch-budget: bytes per visit fetched from peers for linked pages. */
  prefetchBudget: number
  /** data-storage-budget: bytes of verified assets kept (default: the SW's, bounded by storage.estimate()). */
  storageBudget: number | undefined
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

function parseIce (v: string): unknown {
  try { return JSON.parse(v) } catch { return undefined }
}

/**
 * Reads the script tag's options. A malformed option is reported through
 * `problem` (the loader logs it and emits `error`) and its default is used:
 * a silent fallback hid typos in TURN settings (issue 13).
 */
export function readOptions (script: HTMLScriptElement | null, problem: (message: string) => void): LoaderOptions {
  const d = script?.dataset ?? {}
  const base = script?.src || location.href
  // A loader served from another origin says nothing about the site's base: the root then.
  const site = script?.src && new URL(script.src).origin === location.origin ? script.src : new URL('/', location.href).href
  let ice = DEFAULT_ICE
  if (d.iceServers !== undefined) {
    const parsed = parseIce(d.iceServers)
    const why = iceServersProblem(parsed)
    if (why) problem(`data-ice-servers ${why}; using the default STUN server`)
    else ice = parsed as RTCIceServer[]
  }
  const policy = d.iceTransportPolicy ?? 'all'
  if (policy !== 'all' && policy !== 'relay') problem(`data-ice-transport-policy must be "all" or "relay", not ${JSON.stringify(policy)}`)
  return {
    // publish copies the loader into the site's base (`--base /docs/`): by
    // default the manifest and the scope are that folder.
    manifest: new URL(d.manifest ?? 'swarmcdn.json', site).href,
    sw: new URL(d.sw ?? 'swarmcdn-sw.js', base).href,
    engine: new URL(d.engine ?? 'swarmcdn-engine.js', base).href,
    scope: new URL(d.scope ?? './', site).href,
    optIn: d.optIn !== undefined && d.optIn !== 'false',
    iceServers: ice,
    iceTransportPolicy: policy === 'relay' ? 'relay' : 'all',
    iceUrl: d.iceUrl ? new URL(d.iceUrl, location.href).href : null,
    uploadLimit: num(d.uploadLimit, 0),
    uploadBudget: num(d.uploadBudget, DEFAULT_UPLOAD_BUDGET),
    prefetchBudget: num(d.prefetchBudget, DEFAULT_PREFETCH_BUDGET),
    storageBudget: d.storageBudget ? num(d.storageBudget, -1) : undefined,
    debug: d.debug !== undefined && d.debug !== 'false'
  }
}
