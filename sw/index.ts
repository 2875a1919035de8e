// swarmcdn service worker. Browsers allow no RTCPeerConnection here
// (w3c/ServiceWorker#670), so peers are reached through the leader tab.
import type { PageToSw, SwStats } from '../src/shared/protocol.js'
import { debug } from './debug.js'
import { adoptAll, keepPrefetched } from './adopt.js'
import { setConfiguredBudget } from './budget.js'
import { asset } from './handlers/asset.js'
// Installs self.swarmcdn, the API a site's own worker uses when it imports this one.
import './handlers/embedded.js'
import { embedded, MANIFEST_URL, PRUNE_DELAY_MS } from './config.js'
import { isKilled, killSwitch, markKilled } from './handlers/kill-switch.js'
import { navigation } from './handlers/navigation.js'
import type { Handler } from './handlers/types.js'
import { noteActivity } from './quiet.js'
import { checkScript, watchScript } from './lifecycle.js'
import { addStaticRoutes } from './routes.js'
import { attachLeader, hasLeader, notifyDropped, onLeaderLink } from './leader.js'
import { bindNavigation, currentError, currentManifest, init, prune, setKillHandler } from './releases.js'
import { loadStats, snapshot } from './stats.js'
import { dropAll, reconcile, setDropListener, storeIndex } from './store.js'

declare const self: ServiceWorkerGlobalScope

/** In priority order; the kill switch first. None matching → no respondWith. */
const handlers: Handler[] = [killSwitch, navigation, asset]

async function kill (): Promise<void> {
  if (isKilled()) return
  markKilled()
  debug('kill switch: unregistering')
  // Open pages stop their engines now; their next navigation is uncontrolled.
  // Only this site's pages: the origin's other swarmcdn sites (other paths) are not killed.
  for (const c of await self.clients.matchAll({ type: 'window', includeUncontrolled: true })) {
    if (c.url.startsWith(self.registration.scope)) c.postMessage({ type: 'swarmcdn:killed' })
  }
  try { await dropAll() } catch { /* ignore */ }
  // Inside a site's own worker: the site's worker stays, swarmcdn only stops.
  if (!embedded) await self.registration.unregister()
}
setKillHandler(kill)
// Inside a site's worker, self.location is the site's script, not ours.
if (!embedded) watchScript(kill)

// Start loading state now so the first fetch after an SW restart finds it.
void init()
void loadStats()
// The store's index too: a page's asset passes through to the browser only
// once the fetch handler can see, without awaiting, that no unit of it is kept.
void storeIndex()

// A site's own worker decides when a new version of it takes over (skipWaiting).
if (!embedded) {
  self.addEventListener('install', (event) => {
    // Navigations, other origins, other methods and swarmcdn's own files go
    // to the network without starting this worker (sw/routes.ts). What a
    // navigation told the worker (a new page: bind it, re-check the manifest
    // and the worker's own script) then comes from the page's loader, whose
    // first message is a stats request (pageAppeared). Not in a site's own
    // worker: its navigations (an offline page) and other requests are the site's.
    addStaticRoutes(event, self.location.href, MANIFEST_URL, (rule, err) => debug('static route refused', JSON.stringify(rule.condition), err))
    event.waitUntil(self.skipWaiting())
  })
}

const seenPages = new Set<string>()
/** The first message of a page: what its navigation would have told this worker. */
function pageAppeared (event: ExtendableMessageEvent): void {
  const id = event.source && 'id' in event.source ? event.source.id : null
  if (!id || seenPages.has(id)) return
  seenPages.add(id)
  event.waitUntil(bindNavigation(id, true).catch(() => {}))
  const check = checkScript()
  if (check) event.waitUntil(check)
}

self.addEventListener('activate', (event) => {
  // claim() so the first page of a first visit is controlled from now on: its
  // later requests and its engine can use the swarm.
  // A site that flipped the kill switch is never claimed.
  // Inside a site's worker too: claim() only takes pages no worker controls
  // yet, which is also what lets a first visit use the swarm.
  event.waitUntil(init().then(async () => { if (!isKilled()) { await self.clients.claim(); schedulePrune() } }))
})

self.addEventListener('fetch', (event) => {
  noteActivity()
  for (const h of handlers) {
    if (h.canHandle(event)) { h.handle(event); return }
  }
})

let pruneTimer: ReturnType<typeof setTimeout> | null = null
function schedulePrune (): void {
  if (pruneTimer) return
  pruneTimer = setTimeout(() => { pruneTimer = null; void prune() }, PRUNE_DELAY_MS)
}

self.addEventListener('message', (event) => {
  const msg = event.data as PageToSw | undefined
  if (!msg || typeof msg !== 'object' || !('type' in msg)) return
  pageAppeared(event)
  switch (msg.type) {
    case 'swarmcdn:leader':
      attachLeader(msg.port, msg.infoHash, event.source && 'id' in event.source ? event.source.id : null)
      event.waitUntil(setConfiguredBudget(msg.storageBudget))
      break
    case 'swarmcdn:heartbeat':
      // Its only job is to be an event: it keeps this SW (and the leader port) alive.
      break
    case 'swarmcdn:stats':
      event.waitUntil(snapshot().then(({ counters, assets }) => {
        const m = currentManifest()
        const stats: SwStats = { ...counters, assets, infoHash: m?.infoHash ?? null, manifestError: currentError(), killed: isKilled(), leader: hasLeader() }
        msg.reply.postMessage(stats)
      }))
      break
    case 'swarmcdn:manifest':
      event.waitUntil(init().then(() => { msg.reply.postMessage(isKilled() ? null : currentManifest()) }))
      break
    case 'swarmcdn:adopt':
      event.waitUntil(init().then(async () => {
        const m = currentManifest()
        if (m) await adoptAll(m, msg.paths)
        schedulePrune()
      }))
      break
    case 'swarmcdn:disable':
      event.waitUntil(kill())
      break
  }
})

// The engine's peer prefetch is verified and kept like every other peer byte;
// the store tells the engine what it evicts, so it stops offering it.
onLeaderLink((link, infoHash) => {
  link.handle('prefetched', async ({ path, infoHash, data }) => ({ ok: await keepPrefetched(currentManifest(), path, infoHash, data) }))
  // What the keeper stored while no engine listened (between two pages, or
  // before this engine attached) reaches it now: the store's whole index.
  void reconcile().then((keys) => { if (keys.length) link.notify('kept', { infoHash, keys }) })
})
setDropListener(notifyDropped)
