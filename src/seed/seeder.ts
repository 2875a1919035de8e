// `swarmcdn seed`: a long-lived Node peer that seeds the site's current
// release straight from the published tree, so the first visitor of a quiet
// hour finds the swarm already holding every asset ("hybrid servers").
import { readFile } from 'node:fs/promises'
import type WebTorrent from 'webtorrent'
import type { NodeTorrent } from 'webtorrent'
import { resolveTrackers, type Manifest } from '../shared/manifest.js'
import { fetchManifest, fetchTorrent, siteBase, OriginError } from './origin.js'
import { checkTree, describeMismatches, assetFile } from './tree.js'
import { siteStore } from './site-store.js'
import { UploadReporter, SEED_REPORT_MS } from './report.js'

export class SeedError extends Error {
  override name = 'SeedError'
}

export interface SeederOptions {
  dir: string
  /** The site's URL (the folder holding swarmcdn.json). */
  origin: string
  /** Bytes per second uploaded at most; undefined for no limit. */
  uploadLimit?: number
  /** ICE servers for the WebRTC peers (the page's `data-ice-servers`). */
  iceServers?: unknown[]
  log?: (msg: string) => void
  warn?: (msg: string) => void
}

export interface SeedingRelease {
  infoHash: string
  assets: number
  bytes: number
}

type WebTorrentClass = typeof WebTorrent

/**
 * webtorrent (and through it @roamhq/wrtc, a native optional dependency) is
 * loaded only here, so `publish` and `serve` never load either.
 */
async function loadWebTorrent (): Promise<WebTorrentClass> {
  try {
    return (await import('webtorrent')).default
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err)
    if (/@roamhq\/wrtc|wrtc\.node|webrtc/i.test(msg)) {
      throw new SeedError(`swarmcdn seed needs Node WebRTC, the optional dependency @roamhq/wrtc, which is not installed or not built for this platform (${msg}). Install it with \`npm install @roamhq/wrtc\`.`)
    }
    throw new SeedError(`cannot load webtorrent: ${msg}`)
  }
}

const once = async (t: NodeTorrent): Promise<void> => await new Promise((resolve, reject) => {
  const onReady = (): void => { t.removeListener('error', onError); resolve() }
  const onError = (err: Error): void => { t.removeListener('ready', onReady); reject(err) }
  t.once('ready', onReady)
  t.once('error', onError)
})

export class Seeder {
  private client: InstanceType<WebTorrentClass> | null = null
  private torrent: NodeTorrent | null = null
  private manifest: Manifest | null = null
  private etag: string | null = null
  private pollTimer: ReturnType<typeof setTimeout> | null = null
  private reportTimer: ReturnType<typeof setInterval> | null = null
  private stopped = false
  private readonly base: URL
  private readonly reporter: UploadReporter
  private readonly log: (msg: string) => void
  private readonly warn: (msg: string) => void

  private constructor (private readonly opts: SeederOptions) {
    this.base = siteBase(opts.origin)
    this.reporter = new UploadReporter(new URL('swarmcdn/report', this.base))
    this.log = opts.log ?? (() => {})
    this.warn = opts.warn ?? this.log
  }

  /** Checks the tree against the origin's manifest and starts seeding; throws SeedError/OriginError on bad input. */
  static async start (opts: SeederOptions): Promise<Seeder> {
    const s = new Seeder(opts)
    try {
      const first = await fetchManifest(s.base, null)
      const manifest = first.manifest!
      if (manifest.disabled === true) throw new SeedError(`${s.base.href}: the site's kill switch is on ("disabled": true); nothing to seed`)
      const mismatches = await checkTree(opts.dir, manifest)
      if (mismatches.length > 0) throw new SeedError(describeMismatches(opts.dir, mismatches))
      const WT = await loadWebTorrent()
      s.client = new WT({
        dht: false,
        lsd: false,
        utp: false,
        natUpnp: false,
        natPmp: false,
        webSeeds: false,
        ...(opts.uploadLimit !== undefined ? { uploadLimit: opts.uploadLimit } : {}),
        tracker: { rtcConfig: { iceServers: opts.iceServers ?? [] } }
      })
      s.client.on('error', (err: Error) => { s.warn(`webtorrent: ${err.message}`) })
      await s.seed(manifest)
      s.etag = first.etag
      s.schedulePoll(first.pollMs)
      s.reportTimer = setInterval(() => { void s.report() }, SEED_REPORT_MS)
      return s
    } catch (err) {
      await s.stop()
      throw err
    }
  }

  /** The release being seeded, or null (kill switch on). */
  get release (): SeedingRelease | null {
    const m = this.manifest
    if (m === null || this.torrent === null) return null
    const a = Object.values(m.assets)
    return { infoHash: m.infoHash, assets: a.length, bytes: a.reduce((n, x) => n + x.size, 0) }
  }

  get peers (): number { return this.torrent?.numPeers ?? 0 }
  get uploaded (): number { return this.torrent?.uploaded ?? 0 }

  /** The release torrent: from the tree if it holds the right one, else from the origin. */
  private async torrentFile (manifest: Manifest): Promise<Buffer> {
    try {
      return await readFile(assetFile(this.opts.dir, `/${manifest.torrent}`))
    } catch {
      return await fetchTorrent(this.base, manifest)
    }
  }

  /** Adds the release's torrent over the tree; every piece must verify (SHA-1) before it is announced as complete. */
  private async seed (manifest: Manifest): Promise<void> {
    const client = this.client!
    const file = await this.torrentFile(manifest)
    const torrent = client.add(file, {
      store: siteStore(this.opts.dir, manifest),
      announce: resolveTrackers(manifest.trackers, this.base.origin),
      storeCacheSlots: 0
    })
    try {
      await once(torrent)
    } catch (err) {
      throw new SeedError(`release torrent ${manifest.torrent}: ${(err as Error).message}`)
    }
    if (torrent.infoHash !== manifest.infoHash) {
      client.remove(torrent, { destroyStore: false })
      throw new SeedError(`${manifest.torrent} is release ${torrent.infoHash}, the manifest names ${manifest.infoHash}`)
    }
    if (torrent.progress < 1) {
      client.remove(torrent, { destroyStore: false })
      throw new SeedError(`the tree matches the manifest's SHA-256 but not the torrent's pieces (${Math.round(torrent.progress * 100)} % verify): republish the site`)
    }
    torrent.on('wire', (wire: { remoteAddress?: string }) => { this.log(`peer connected${wire.remoteAddress !== undefined ? ` (${wire.remoteAddress})` : ''}, ${torrent.numPeers} in all`) })
    const previous = this.torrent
    this.torrent = torrent
    this.manifest = manifest
    if (previous !== null) await this.drop(previous)
    const r = this.release!
    this.log(`seeding release ${r.infoHash}: ${r.assets} assets, ${r.bytes} bytes, from ${this.opts.dir}`)
  }

  private async drop (t: NodeTorrent): Promise<void> {
    this.reporter.collect(t)
    await new Promise<void>((resolve) => { this.client?.remove(t, { destroyStore: false }, () => { resolve() }) ?? resolve() })
  }

  private schedulePoll (ms: number): void {
    if (this.stopped) return
    this.pollTimer = setTimeout(() => { void this.poll() }, ms)
  }

  /** Follows new releases. A deploy in progress (tree not yet matching) or an unreachable origin: keep the current release, ask again. */
  private async poll (): Promise<void> {
    let next = 30_000
    try {
      const r = await fetchManifest(this.base, this.etag)
      next = r.pollMs
      const m = r.manifest
      if (m !== null && !this.stopped) {
        if (m.disabled === true) {
          if (this.torrent !== null) {
            this.log('kill switch on: stopped seeding')
            await this.drop(this.torrent)
            this.torrent = null
          }
          this.manifest = m
          this.etag = r.etag
        } else if (m.infoHash !== this.manifest?.infoHash || this.torrent === null) {
          const mismatches = await checkTree(this.opts.dir, m)
          if (mismatches.length > 0) {
            this.warn(`new release ${m.infoHash} not seeded yet: ${describeMismatches(this.opts.dir, mismatches, 3)}`)
          } else {
            await this.seed(m)
            this.etag = r.etag
          }
        } else {
          this.etag = r.etag
        }
      }
    } catch (err) {
      this.warn(err instanceof OriginError || err instanceof SeedError ? err.message : `manifest poll: ${String(err)}`)
    }
    this.schedulePoll(next)
  }

  private async report (): Promise<void> {
    if (this.torrent !== null) this.reporter.collect(this.torrent)
    await this.reporter.flush()
  }

  /** Stops polling, reports the last uploads, leaves the swarm. Idempotent. */
  async stop (): Promise<void> {
    if (this.stopped) return
    this.stopped = true
    if (this.pollTimer !== null) clearTimeout(this.pollTimer)
    if (this.reportTimer !== null) clearInterval(this.reportTimer)
    if (this.torrent !== null) await this.report()
    const client = this.client
    this.client = null
    this.torrent = null
    if (client !== null) await new Promise<void>((resolve) => { client.destroy(() => { resolve() }) })
  }
}
