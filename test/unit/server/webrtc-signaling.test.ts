// Real WebTorrent tracker clients (bittorrent-tracker's client, WebRTC through
// @roamhq/wrtc) find each other and open a data channel through our tracker:
// real SDP offers and answers pass our message checks and size cap.
import { it, expect } from 'vitest'
import type { EventEmitter } from 'node:events'
import { startServer } from '../../../src/server/index.js'
import { makeSite, manifestFor, writeManifest, peerId } from './helpers.js'

interface TrackerClient extends EventEmitter {
  start: () => void
  destroy: () => void
}
type TrackerClientCtor = new (opts: Record<string, unknown>) => TrackerClient

it('two tracker clients connect over WebRTC through /announce', async () => {
  // The package root loads the WebRTC client side; the server never imports it.
  const { default: Client } = await import('bittorrent-tracker' as string) as { default: TrackerClientCtor }
  const site = await makeSite({ '/a.txt': 'hello' })
  const infoHash = 'd'.repeat(40)
  await writeManifest(site.dir, manifestFor(infoHash, site.files))
  const srv = await startServer({ dir: site.dir, port: 0, quiet: true })
  const warnings: string[] = []
  const make = (n: number): TrackerClient => {
    const c = new Client({ infoHash, peerId: Buffer.from(peerId(n)).toString('hex'), announce: [srv.trackerUrl], port: 6881, rtcConfig: { iceServers: [] } })
    c.on('warning', (e: Error) => warnings.push(e.message))
    c.on('error', (e: Error) => warnings.push(e.message))
    return c
  }
  const a = make(1)
  const b = make(2)
  try {
    // Loopback signaling + ICE takes well under a second; 10 s means it is broken.
    const connected = new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => { reject(new Error(`no WebRTC connection; warnings: ${warnings.join('; ')}`)) }, 10_000)
      b.on('peer', (peer: EventEmitter) => { peer.once('connect', () => { clearTimeout(t); resolve() }) })
    })
    a.start()
    await new Promise((r) => a.once('update', r))
    b.start()
    await connected
    expect(srv.stats().tracker).toMatchObject({ peers: 2, swarms: 1, rejected: {} })
    expect(warnings).toEqual([])
  } finally {
    a.destroy()
    b.destroy()
    await srv.close()
    await site.cleanup()
  }
})
