// swarmcdn-sw.js inside a site's own service worker (importScripts, or an
// ES-module import): it adds asset handling and nothing else. The site's
// worker keeps its own update policy (no skipWaiting on its behalf), the
// kill switch and a removed script never unregister the site's worker, and a
// Workbox site routes assets through `self.swarmcdn.workbox()`.
import { isAsset, respond, routeAssetsElsewhere } from './asset.js'

declare const self: ServiceWorkerGlobalScope & { swarmcdn?: SwarmcdnSwApi }

interface RouteArgs { event: FetchEvent, request?: Request }

/** Workbox's route shape: `registerRoute(match, handler)`. */
export interface WorkboxRoute {
  match: (args: { event?: ExtendableEvent }) => boolean
  handler: { handle: (args: RouteArgs) => Promise<Response> }
}

export interface SwarmcdnSwApi {
  /** True for requests swarmcdn answers (manifest assets of the page's release). */
  handles: (event: FetchEvent) => boolean
  /** swarmcdn's response for such a request. */
  respond: (event: FetchEvent) => Promise<Response>
  /** Hands asset routing to Workbox: swarmcdn's own listener no longer answers assets. */
  workbox: () => WorkboxRoute
}

const handler = { handle: ({ event, request }: RouteArgs) => respond(event, request ?? event.request) }

self.swarmcdn = {
  handles: isAsset,
  respond: (event) => respond(event),
  workbox: () => {
    routeAssetsElsewhere()
    return {
      // Workbox runs match callbacks for fetch events only in its router; the
      // event is there, and without one nothing is ours.
      match: ({ event }) => event !== undefined && 'request' in event && isAsset(event as FetchEvent),
      handler
    }
  }
}
