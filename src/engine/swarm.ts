// The swarm: one WebTorrent client, the release torrent over the verified
// store, and the patches the transfer path needs.
import WebTorrent, { type Torrent, type TorrentFile, type Wire } from 'webtorrent/dist/webtorrent.min.js'
import { resolveTrackers, type Manifest } from '../shared/manifest.js'
import type { CacheChunkStore } from './cache-store.js'
import { batchWire, checkTorrentTargets, checkWireTargets, coalesceUpdates, fastIceOffers, fastTrackerReconnect, flushWithoutCopy } from './patches/index.js'

/** Peers asked for (and offers built) per tracker announce. */
const OFFERS_PER_ANNOUNCE = 2

export interface SwarmOptions {
  manifest: Manifest
  torrentFile: Uint8Array
  store: CacheChunkStore
  iceServers: RTCIceServer[]
  iceTransportPolicy: RTCIceTransportPolicy
  uploadLimit: number
  debug: (...args: unknown[]) => void
}

export interface Swarm { client: WebTorrent, torrent: Torrent, files: Map<string, TorrentFile>, destroy: () => Promise<void> }

export async function joinSwarm (o: SwarmOptions): Promise<Swarm> {
  const client = new WebTorrent({
    tracker: {
      rtcConfig: { iceServers: o.iceServers, iceTransportPolicy: o.iceTransportPolicy },
      // Each announce pre-builds one RTCPeerConnection offer per wanted peer
      // (bittorrent-tracker caps it at 5). A visitor fetches from a couple of
      // peers; more offers only cost the page CPU while it loads and count
      // against Chromium's per-tab connection limit.
      getAnnounceOpts: () => ({ numwant: OFFERS_PER_ANNOUNCE })
    },
    dht: false,
    lsd: false,
    utPex: false,
    webSeeds: false
  })
  if (o.uploadLimit > 0) client.throttleUpload(o.uploadLimit)
  client.on('error', (err: Error) => o.debug('client error', err.message))
  const destroy = (): Promise<void> => new Promise<void>((resolve) => client.destroy(() => resolve()))

  const torrent: Torrent = client.add(o.torrentFile, {
    announce: resolveTrackers(o.manifest.trackers, location.origin),
    deselect: true,
    preloadedStore: o.store,
    // The store reads Cache Storage itself; a memory cache would be a second copy.
    storeCacheSlots: 0
  })
  torrent.on('warning', (err: Error) => o.debug('warning', err.message))
  torrent.on('error', (err: Error) => o.debug('torrent error', err.message))
  torrent.on('wire', (wire: Wire) => { batchWire(wire); checkWireTargets(wire) })

  await new Promise<void>((resolve, reject) => {
    if (torrent.ready) return resolve()
    torrent.once('ready', () => resolve())
    torrent.once('error', (err: Error) => reject(err))
  })
  if (torrent.infoHash !== o.manifest.infoHash) {
    await destroy()
    throw new Error(`torrent infohash ${torrent.infoHash} does not match the manifest's ${o.manifest.infoHash}`)
  }
  checkTorrentTargets(torrent)
  coalesceUpdates(torrent)
  flushWithoutCopy(torrent)
  // Trackers are created when discovery starts, just before 'ready'; their
  // first announce (which builds the offers) waits for the socket to open, a
  // later task than this one.
  if (!fastTrackerReconnect(torrent)) setTimeout(() => fastTrackerReconnect(torrent), 0)
  if (!fastIceOffers(torrent)) setTimeout(() => fastIceOffers(torrent), 0)

  // Torrent files map to manifest assets by byte offset: exact whatever the
  // file names and their URL encoding are.
  const byOffset = new Map<number, TorrentFile>()
  for (const f of torrent.files) byOffset.set(f.offset, f)
  const files = new Map<string, TorrentFile>()
  for (const [path, a] of Object.entries(o.manifest.assets)) {
    const f = byOffset.get(a.offset)
    if (f && f.length === a.size) files.set(path, f)
  }
  return { client, torrent, files, destroy }
}
