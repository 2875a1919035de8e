// The bittorrent-tracker internals the tracker relies on exist in the
// installed version: this fails when an upgrade removes one, instead of the
// tracker's guard silently turning into a no-op.
import { describe, it, expect } from 'vitest'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { WebSocket } from 'ws'
import TrackerServer from 'bittorrent-tracker/server'
import { missingServerInternals, assertServerInternals } from '../../../src/server/tracker-internals.js'
import { mountTracker } from '../../../src/server/tracker.js'

describe('bittorrent-tracker internals', () => {
  it('every internal exists on the installed server', () => {
    const server = new TrackerServer({ http: false, udp: false, stats: false, ws: { noServer: true } })
    try {
      expect(missingServerInternals(server)).toEqual([])
    } finally {
      server.close()
    }
  })

  it('names what is missing and refuses to run half-patched', () => {
    const fake = { torrents: undefined, ws: {} } as unknown as InstanceType<typeof TrackerServer>
    expect(missingServerInternals(fake)).toEqual(expect.arrayContaining(['server.torrents map', 'server.ws.handleUpgrade']))
    expect(() => { assertServerInternals(fake) }).toThrow(/bittorrent-tracker lacks internals.*server\.torrents map/)
  })

  it('a socket the tracker adopts has the handler its guard wraps (onMessageBound)', async () => {
    const tracker = mountTracker({ admits: () => true })
    const httpServer = http.createServer()
    tracker.attach(httpServer)
    await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve))
    const port = (httpServer.address() as AddressInfo).port
    const ws = new WebSocket(`ws://127.0.0.1:${port}/announce`)
    try {
      await new Promise<void>((resolve, reject) => { ws.once('open', () => resolve()); ws.once('error', reject) })
      // A guarded socket answers a malformed message with our failure reason;
      // an unguarded one (handler missing) would have been terminated.
      const answer = new Promise<string>((resolve) => ws.once('message', (d) => resolve(String(d))))
      ws.send('not json')
      expect(await answer).toMatch(/swarmcdn: message is not JSON text/)
      // The socket is adopted with a stand-in for its upgrade request (the
      // remote address, no headers): bittorrent-tracker reads nothing else of
      // it, or this announce would get a failure reason instead of a reply.
      const reply = new Promise<Record<string, unknown>>((resolve) => ws.once('message', (d) => resolve(JSON.parse(String(d)) as Record<string, unknown>)))
      ws.send(JSON.stringify({ action: 'announce', info_hash: 'h'.repeat(20), peer_id: 'p'.repeat(20), numwant: 0, event: 'started', left: 0, uploaded: 0, downloaded: 0 }))
      const r = await reply
      expect(r['failure reason']).toBeUndefined()
      expect(r).toMatchObject({ action: 'announce', complete: 1 })
    } finally {
      ws.terminate()
      await tracker.close()
      await new Promise<void>((resolve) => httpServer.close(() => resolve()))
    }
  })
})
