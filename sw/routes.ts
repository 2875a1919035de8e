// Requests this worker never answers go straight to the network through the
// Service Worker Static Routing API (InstallEvent.addRoutes, Chromium 123+):
// the browser then neither starts the worker nor waits on a fetch event for
// them (issue 13 §6, the no-peer overhead). Manifest assets still reach the
// worker: routes are fixed for the worker's lifetime while the manifest
// changes with every release, and a router holds a bounded number of rules
// (Chromium refuses larger ones), so "every path not in the manifest" cannot
// be a route. What can be is what no release ever lists:
// - navigations (pages are never shared; what a navigation told the worker
//   comes from the page's loader instead, see pageAppeared in sw/index.ts);
// - other origins (only same-origin requests are shared);
// - methods other than GET and HEAD (only GETs are shared);
// - swarmcdn's own files: the loader, the engine, the manifest and the
//   `swarmcdn/` folder (torrents, and the origin's stats and ICE endpoints
//   on a root site); `publish` never lists them as assets.
import { MANIFEST_FILE, RUNTIME_FILES, TORRENT_DIR } from '../src/shared/manifest.js'

/** URLPattern dictionary (the subset routes use). */
export interface UrlPatternInit { protocol?: string, hostname?: string, port?: string, pathname?: string, search?: string, hash?: string }

export interface RouterCondition {
  urlPattern?: UrlPatternInit
  requestMode?: RequestMode
  requestMethod?: string
  or?: RouterCondition[]
  not?: RouterCondition
}

export interface RouterRule { condition: RouterCondition, source: 'network' }

/** Characters with a meaning in URLPattern syntax, escaped to match literally. */
export function escapePattern (s: string): string {
  return s.replace(/[\\+*?:{}()]/g, '\\$&')
}

/** Every URL of `origin`, whatever its path, query or fragment. */
function originPattern (u: URL): UrlPatternInit {
  return { protocol: escapePattern(u.protocol.slice(0, -1)), hostname: escapePattern(u.hostname), port: escapePattern(u.port) }
}

/** `url`'s path exactly, any query or fragment (a loader may add a cache-busting query). */
function pathPattern (u: URL, suffix = ''): UrlPatternInit {
  return { ...originPattern(u), pathname: escapePattern(u.pathname) + suffix, search: '*', hash: '*' }
}

/**
 * The route groups, each to be added on its own: a browser that refuses one
 * (`not` and `or` came after the first Static Routing release) keeps the
 * others. `script` is this worker's URL (the runtime files sit beside it),
 * `manifest` the release manifest's URL (the `swarmcdn/` folder sits beside it).
 */
export function staticRoutes (script: string, manifest: string): RouterRule[] {
  const s = new URL(script)
  const m = new URL(manifest)
  const own: RouterCondition[] = [
    ...RUNTIME_FILES.map((name) => ({ urlPattern: pathPattern(new URL(name, s)) })),
    { urlPattern: pathPattern(m) },
    { urlPattern: pathPattern(new URL(`${TORRENT_DIR}/`, m), '*') }
  ]
  // The default manifest name beside the worker too, if the loader named another one.
  if (new URL(MANIFEST_FILE, s).href !== m.href.split(/[?#]/)[0]) own.push({ urlPattern: pathPattern(new URL(MANIFEST_FILE, s)) })
  return [
    { condition: { requestMode: 'navigate' }, source: 'network' },
    { condition: { not: { urlPattern: originPattern(s) } }, source: 'network' },
    { condition: { or: ['POST', 'PUT', 'PATCH', 'DELETE'].map((requestMethod) => ({ requestMethod })) }, source: 'network' },
    { condition: { or: own }, source: 'network' }
  ]
}

/** The install event, as far as routes need it (also typed where the DOM lib, not the worker's, is loaded). */
interface Installing { waitUntil: (p: Promise<unknown>) => void, addRoutes?: (rules: RouterRule | RouterRule[]) => Promise<void> }

/**
 * Adds the routes where the browser has the API; each refused group is
 * reported through `onRefused` and leaves its requests to the fetch event,
 * as before.
 */
export function addStaticRoutes (event: Installing, script: string, manifest: string, onRefused: (rule: RouterRule, err: unknown) => void): void {
  if (typeof event.addRoutes !== 'function') return
  for (const rule of staticRoutes(script, manifest)) {
    let added: Promise<void>
    try {
      added = event.addRoutes(rule)
    } catch (err) {
      onRefused(rule, err)
      continue
    }
    event.waitUntil(added.catch((err: unknown) => onRefused(rule, err)))
  }
}
