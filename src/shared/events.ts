// The events `window.swarmcdn` dispatches, typed for site owners:
//   import type { SwarmcdnEventMap } from 'swarmcdn'   (dist/swarmcdn.d.ts)
//   swarmcdn.addEventListener('delivery', (e) => e.detail.source)
// Every event is a CustomEvent; `detail` is what the map names.
import type { AssetDelivery, EngineStatus } from './protocol.js'

export interface SwarmcdnEventDetails {
  /** This page is controlled by the swarmcdn service worker. */
  ready: undefined
  /** One asset reached this page: where from (`peer` | `origin` | `cache`), how many bytes, and why not from peers. */
  delivery: { path: string } & AssetDelivery
  /** The engine started in this tab (the leader). */
  engine: EngineStatus
  /** The engine's status, about once a second and on every peer change. */
  status: EngineStatus
  /** The number of connected peers changed. */
  peers: { peers: number }
  /** Something went wrong; the site keeps working from the origin. */
  error: { message: string }
  optout: undefined
  optin: undefined
  /** swarmcdn is off for this visitor (disable(), or the site's kill switch). */
  disabled: undefined
}

export type SwarmcdnEventMap = { [K in keyof SwarmcdnEventDetails]: CustomEvent<SwarmcdnEventDetails[K]> }

/** `window.swarmcdn`'s typed listener methods. */
export interface SwarmcdnEvents {
  addEventListener: <K extends keyof SwarmcdnEventMap>(type: K, listener: (ev: SwarmcdnEventMap[K]) => void, options?: boolean | AddEventListenerOptions) => void
  removeEventListener: <K extends keyof SwarmcdnEventMap>(type: K, listener: (ev: SwarmcdnEventMap[K]) => void, options?: boolean | EventListenerOptions) => void
}
