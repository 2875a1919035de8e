// The seeder's uploads, reported to the origin like a visitor's
// (POST swarmcdn/report, kind "seeder"), so /swarmcdn/stats can cross-check
// what visitors say they received from peers against what was sent.
import type { NodeTorrent } from 'webtorrent'

/** How often the seeder reports (a visitor's service worker reports at most every 10 s too). */
export const SEED_REPORT_MS = 10_000

export class UploadReporter {
  private readonly sent = new WeakMap<NodeTorrent, number>()
  private pending = new Map<string, number>()

  constructor (private readonly url: URL) {}

  /** Takes the uploads of `torrent` since the last call (kept even after the torrent is removed). */
  collect (torrent: NodeTorrent): void {
    const before = this.sent.get(torrent) ?? 0
    const delta = torrent.uploaded - before
    this.sent.set(torrent, torrent.uploaded)
    if (delta > 0) this.pending.set(torrent.infoHash, (this.pending.get(torrent.infoHash) ?? 0) + delta)
  }

  /** Posts what was collected; a failed post keeps it for the next time. Returns bytes reported. */
  async flush (): Promise<number> {
    let reported = 0
    for (const [infoHash, bytes] of [...this.pending]) {
      try {
        const res = await fetch(this.url, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ kind: 'seeder', infoHash, bytesUploaded: bytes, bytesFromPeers: 0 }),
          signal: AbortSignal.timeout(5000)
        })
        await res.body?.cancel()
        // 404: a static host without the stats endpoint. Nothing to keep for it.
        if (res.ok || res.status === 404 || (res.status >= 400 && res.status < 429)) {
          this.pending.delete(infoHash)
          if (res.ok) reported += bytes
        }
      } catch { /* origin briefly unreachable: retried at the next report */ }
    }
    return reported
  }
}
