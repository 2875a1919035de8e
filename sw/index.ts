// swarmcdn service worker. Browsers allow no RTCPeerConnection here
// (w3c/ServiceWorker#670), so peers are reached through the leader tab.
import type { PageToSw, SwStats } from '../src/shared/protocol.js'
import { PRUNE_DELAY_MS, scopePath } from './config.js'
import { debug } from './debug.js'
import { adopt } from './deliver.js'
import { asset } from './handlers/asset.js'
import { isKilled, killSwitch, markKilled } from './handlers/kill-switch.js'
import { navigation } from './handlers/navigation.js'
import type { Handler } from './handlers/types.js'
import { noteActivity } from './quiet.js'
import { watchScript } from './lifecycle.js'
import { attachLeader, hasLeader, notifyHave, notifyStored, setPrefetchHandler } from './leader.js'
import { currentError, currentManifest, init, prune, setKillHandler } from './releases.js'
import { countPrefetched, countRejected, loadStats, snapshot } from './stats.js'
import { dropAll, hasCached, storeVerified } from './store.js'
import { sha256Base64 } from '../src/shared/integrity.js'

declare const self: ServiceWorkerGlobalScope

/** In priority order; the kill switch first. None matching → no respondWith. */
const handlers: Handler[] = [killSwitch, navigation, asset]

async function kill (): Promise<void> {
  if (isKilled()) return
  markKilled()
  debug('kill switch: unregistering')
  // Open pages stop their engines now; their next navigation is uncontrolled.
  for (const c of await self.clients.matchAll({ type: 'window', includeUncontrolled: true })) c.postMessage({ type: 'swarmcdn:killed' })
  try { await dropAll() } catch { /* ignore */ }
  await self.registration.unregister()
}
setKillHandler(kill)
watchScript(kill)

// Start loading state now so the first fetch after an SW restart finds it.
void init()
void loadStats()

self.addEventListener('install', (event) => {
  event.waitUntil(self.skipWaiting())
})

self.addEventListener('activate', (event) => {
  // claim() so the first page of a first visit is controlled from now on: its
  // later requests and its engine can use the swarm.
  // A site that flipped the kill switch is never claimed.
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
  switch (msg.type) {
    case 'swarmcdn:leader':
      attachLeader(msg.port, msg.infoHash, event.source && 'id' in event.source ? event.source.id : null)
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
      event.waitUntil(adoptAll(msg.paths))
      break
    case 'swarmcdn:disable':
      event.waitUntil(kill())
      break
  }
})

// Bytes the engine prefetched from peers: verified here like every other
// peer byte before they are stored; a mismatch is thrown away and counted.
setPrefetchHandler((path, infoHash, data) => {
  void (async () => {
    const m = currentManifest()
    const entry = m?.infoHash === infoHash ? m.assets[path] : undefined
    let ok = false
    if (entry && data.byteLength === entry.size) {
      if (`sha256-${await sha256Base64(data)}` === entry.integrity) {
        ok = (await hasCached(entry)) || await storeVerified(entry, new Blob([data]))
        if (ok) countPrefetched(entry.size)
      } else {
        countRejected(data.byteLength)
      }
    }
    notifyStored(path, ok)
  })()
})

async function adoptAll (paths: string[]): Promise<void> {
  await init()
  const m = currentManifest()
  if (!m) return
  for (const p of paths) {
    const url = new URL(p, self.registration.scope)
    const path = scopePath(url)
    const entry = path !== null ? m.assets[path] : undefined
    if (!path || !entry || await hasCached(entry)) continue
    if (await adopt(entry, url.href)) notifyHave(path, m.infoHash)
  }
  schedulePrune()
}
