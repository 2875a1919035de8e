// The WebSocket tracker on the origin's port, spoken to the way WebTorrent does
// (bittorrent-tracker lib/client/websocket-tracker.js): JSON text frames whose
// info_hash / peer_id are 20-byte latin1 "binary strings".
import { describe, it, expect, beforeAll, afterAll, beforeEach, afterEach } from 'vitest'
import { WebSocket, type RawData } from 'ws'
import { startServer, startTracker, MAX_MESSAGE_BYTES, UNKNOWN_INFOHASH_REASON, type RunningServer, type StatsJson } from '../../../src/server/index.js'
import { makeSite, manifestFor, writeManifest, request, getJson, bin, peerId, type Site } from './helpers.js'

const V1 = 'a'.repeat(40)
const V2 = 'b'.repeat(40)
const V3 = 'c'.repeat(40)
const UNKNOWN = '0123456789abcdef0123456789abcdef01234567'

type Msg = Record<string, unknown>

/** A WebSocket with a queue of parsed incoming messages. */
class Client {
  readonly inbox: Msg[] = []
  private waiters: Array<() => void> = []
  closed: Promise<number>
  constructor (readonly ws: WebSocket) {
    ws.on('message', (data: RawData) => {
      this.inbox.push(JSON.parse(data.toString()) as Msg)
      for (const w of this.waiters.splice(0)) w()
    })
    this.closed = new Promise((resolve) => { ws.on('close', (code) => { resolve(code) }) })
    ws.on('error', () => {})
  }

  static async open (url: string): Promise<Client> {
    const ws = new WebSocket(url)
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => { resolve() })
      ws.once('error', reject)
    })
    return new Client(ws)
  }

  send (msg: unknown): void { this.ws.send(typeof msg === 'string' ? msg : JSON.stringify(msg)) }

  async next (timeoutMs = 2000): Promise<Msg> {
    const deadline = Date.now() + timeoutMs
    while (this.inbox.length === 0) {
      const left = deadline - Date.now()
      if (left <= 0) throw new Error('no message from the tracker')
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left)
        this.waiters.push(() => { clearTimeout(t); resolve() })
      })
    }
    return this.inbox.shift()!
  }

  close (): void { this.ws.terminate() }
}

function announce (infoHash: string, peer: number, extra: Msg = {}): Msg {
  return { action: 'announce', info_hash: bin(infoHash), peer_id: bin(Buffer.from(peerId(peer), 'latin1').toString('hex')), numwant: 0, uploaded: 0, downloaded: 0, left: 0, event: 'started', offers: [], ...extra }
}

let site: Site
let srv: RunningServer
const clients: Client[] = []
const connect = async (): Promise<Client> => {
  const c = await Client.open(srv.trackerUrl)
  clients.push(c)
  return c
}
const trackerStats = async (): Promise<StatsJson['tracker']> => (await getJson<StatsJson>(srv.port, '/swarmcdn/stats')).tracker

beforeAll(async () => {
  site = await makeSite({ '/a.txt': 'hello' })
  await writeManifest(site.dir, manifestFor(V1, site.files))
  srv = await startServer({ dir: site.dir, port: 0, quiet: true })
})
afterAll(async () => {
  await srv.close()
  await site.cleanup()
})
afterEach(async () => {
  for (const c of clients.splice(0)) c.close()
  // Let the tracker see the closes before the next test counts peers.
  await new Promise((r) => setTimeout(r, 50))
})

describe('announce', () => {
  it('admits the published release and counts the peer and swarm', async () => {
    expect(srv.trackerUrl).toBe(`ws://127.0.0.1:${srv.port}/announce`)
    const c = await connect()
    c.send(announce(V1, 1))
    const r = await c.next()
    expect(r['failure reason']).toBeUndefined()
    expect(r.action).toBe('announce')
    expect(r.info_hash).toBe(bin(V1))
    expect(typeof r.interval).toBe('number')
    const t = await trackerStats()
    expect(t).toMatchObject({ peers: 1, swarms: 1, connections: 1 })
    expect(t.announces).toBeGreaterThanOrEqual(1)
    const s = await getJson<StatsJson>(srv.port, '/swarmcdn/stats')
    expect(s.release).toEqual({ infoHash: V1, assets: 1, bytes: 5 })
    c.close()
    await c.closed
    await new Promise((r) => setTimeout(r, 50))
    expect(await trackerStats()).toMatchObject({ peers: 0, swarms: 0 })
  })

  it('refuses an unknown infohash with a failure reason, and does not count it', async () => {
    const c = await connect()
    c.send(announce(UNKNOWN, 2))
    const r = await c.next()
    expect(r['failure reason']).toBe(UNKNOWN_INFOHASH_REASON)
    const t = await trackerStats()
    expect(t).toMatchObject({ peers: 0, swarms: 0 })
    expect(t.rejected.unknown_infohash).toBeGreaterThanOrEqual(1)
  })

  it('relays offers and answers between two peers', async () => {
    const a = await connect()
    a.send(announce(V1, 10))
    await a.next()
    const b = await connect()
    const offerId = 'o'.repeat(20)
    b.send(announce(V1, 11, { numwant: 1, left: 5, offers: [{ offer: { type: 'offer', sdp: 'v=0 fake' }, offer_id: offerId }] }))
    expect((await b.next())['failure reason']).toBeUndefined()
    const relayed = await a.next()
    expect(relayed).toMatchObject({ action: 'announce', offer: { type: 'offer', sdp: 'v=0 fake' }, offer_id: offerId, peer_id: peerId(11) })
    a.send(announce(V1, 10, { event: undefined, offers: undefined, to_peer_id: peerId(11), answer: { type: 'answer', sdp: 'v=0 answer' }, offer_id: offerId }))
    const answer = await b.next()
    expect(answer).toMatchObject({ action: 'announce', answer: { type: 'answer', sdp: 'v=0 answer' }, offer_id: offerId, peer_id: peerId(10) })
    expect(await trackerStats()).toMatchObject({ peers: 2, swarms: 1 })
  })

  it('keeps every peer when first announces for a swarm arrive together', async () => {
    const [a, b, c] = await Promise.all([connect(), connect(), connect()])
    // A release just published: each announce waits on the same manifest re-read,
    // so all three reach swarm creation in the same tick.
    await writeManifest(site.dir, manifestFor(V2, site.files))
    a!.send(announce(V2, 90))
    b!.send(announce(V2, 91))
    c!.send(announce(V2, 92))
    const replies = await Promise.all([a!.next(), b!.next(), c!.next()])
    expect(replies.map((r) => r['failure reason'])).toEqual([undefined, undefined, undefined])
    expect(await trackerStats()).toMatchObject({ peers: 3, swarms: 1 })
    await writeManifest(site.dir, manifestFor(V1, site.files))
  })

  it('follows a new publish and keeps the previous release admitted', async () => {
    const c = await connect()
    await writeManifest(site.dir, manifestFor(V2, site.files))
    c.send(announce(V2, 20))
    expect((await c.next())['failure reason']).toBeUndefined()
    c.send(announce(V1, 20))
    expect((await c.next())['failure reason']).toBeUndefined()
    await writeManifest(site.dir, manifestFor(V3, site.files))
    c.send(announce(V3, 20))
    expect((await c.next())['failure reason']).toBeUndefined()
    c.send(announce(V1, 21))
    expect((await c.next())['failure reason']).toBe(UNKNOWN_INFOHASH_REASON)
    expect((await getJson<StatsJson>(srv.port, '/swarmcdn/stats')).release?.infoHash).toBe(V3)
    await writeManifest(site.dir, manifestFor(V1, site.files))
  })
})

describe('protection', () => {
  it('closes a connection that sends an oversized message; HTTP still answers', async () => {
    const c = await connect()
    c.send(JSON.stringify({ ...announce(V1, 30), junk: 'x'.repeat(MAX_MESSAGE_BYTES) }))
    expect(await c.closed).toBe(1009)
    expect((await request(srv.port, '/a.txt')).status).toBe(200)
    expect((await trackerStats()).rejected.oversized).toBeGreaterThanOrEqual(1)
  })

  it('answers malformed messages with a failure reason and keeps going', async () => {
    const c = await connect()
    for (const bad of ['not json{', '[]', '42', JSON.stringify({ action: 'nope' }), JSON.stringify({ action: 'announce', info_hash: 'short', peer_id: 'x' }),
      JSON.stringify(announce(V1, 31, { offers: [null] })), JSON.stringify(announce(V1, 31, { offers: 'x' })), JSON.stringify(announce(V1, 31, { answer: 'x' }))]) {
      c.send(bad)
      const r = await c.next()
      expect(typeof r['failure reason'], bad).toBe('string')
    }
    c.send(announce(V1, 31))
    expect((await c.next())['failure reason']).toBeUndefined()
    // `offers: [null]` relayed to an existing peer used to throw inside the tracker.
    const d = await connect()
    d.send(announce(V1, 32, { numwant: 1, offers: [null] }))
    expect(typeof (await d.next())['failure reason']).toBe('string')
    expect((await request(srv.port, '/a.txt')).status).toBe(200)
  })

  it('drops a connection that floods messages', async () => {
    const c = await connect()
    for (let i = 0; i < 300; i++) c.send(announce(V1, 40, { event: 'update' }))
    await c.closed
    expect((await trackerStats()).rejected.rate_limited).toBeGreaterThanOrEqual(1)
  })

  it('upgrades only /announce', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${srv.port}/elsewhere`)
    const status = await new Promise<number>((resolve) => {
      ws.on('unexpected-response', (_req, res) => { resolve(res.statusCode ?? 0) })
      ws.on('error', () => { resolve(-1) })
    })
    expect(status).toBe(404)
    const q = await Client.open(`${srv.trackerUrl}?foo=bar`)
    clients.push(q)
    q.send(announce(V1, 50))
    expect((await q.next())['failure reason']).toBeUndefined()
  })

  it('a plain GET /announce is 426 and not origin traffic', async () => {
    const before = (await getJson<StatsJson>(srv.port, '/swarmcdn/stats')).origin.requests
    expect((await request(srv.port, '/announce')).status).toBe(426)
    expect((await getJson<StatsJson>(srv.port, '/swarmcdn/stats')).origin.requests).toBe(before)
  })

  it('exports tracker figures as metrics', async () => {
    const c = await connect()
    c.send(announce(V1, 60))
    await c.next()
    const text = (await request(srv.port, '/metrics')).body.toString()
    expect(text).toMatch(/^swarmcdn_tracker_peers 1$/m)
    expect(text).toMatch(/^swarmcdn_tracker_swarms 1$/m)
    expect(text).toMatch(/^swarmcdn_tracker_announces_total [1-9]\d*$/m)
    expect(text).toMatch(/^swarmcdn_tracker_rejected_total\{reason="unknown_infohash"\} [1-9]\d*$/m)
  })
})

describe('manifest assets on the origin', () => {
  it('are labelled with the manifest type and counted in metrics, with no per-asset series by default', async () => {
    const r = await request(srv.port, '/a.txt')
    expect(r.headers['content-type']).toBe('application/octet-stream') // the manifest's, not mime's text/plain
    await request(srv.port, '/a.txt', { headers: { Range: 'bytes=1-2' } })
    const text = (await request(srv.port, '/metrics')).body.toString()
    expect(text).not.toMatch(/\{asset=/)
    const line = text.split('\n').find((l) => l.startsWith('swarmcdn_origin_asset_bytes_total '))
    expect(line).toBeDefined()
    const sent = (await getJson<StatsJson>(srv.port, '/swarmcdn/stats')).origin.byPath['/a.txt']!.bytes
    expect(Number(line!.split(' ')[1])).toBe(sent)
    expect(sent).toBeGreaterThanOrEqual(7)
  })
})

describe('a served folder without a manifest', () => {
  let bare: Site
  let plain: RunningServer
  beforeEach(async () => {
    bare = await makeSite({ '/x.txt': 'x' })
  })
  afterEach(async () => {
    await plain.close()
    await bare.cleanup()
  })

  it('serves files and refuses every announce', async () => {
    plain = await startServer({ dir: bare.dir, port: 0, quiet: true })
    expect((await request(plain.port, '/x.txt')).status).toBe(200)
    const c = await Client.open(plain.trackerUrl)
    clients.push(c)
    c.send(announce(V1, 70))
    expect((await c.next())['failure reason']).toBe(UNKNOWN_INFOHASH_REASON)
    expect(plain.stats().release).toBeNull()
  })

  it('admits --allow infohashes', async () => {
    plain = await startServer({ dir: bare.dir, port: 0, quiet: true, allow: [V2.toUpperCase()] })
    const c = await Client.open(plain.trackerUrl)
    clients.push(c)
    c.send(announce(V2, 71))
    expect((await c.next())['failure reason']).toBeUndefined()
  })
})

describe('startTracker (standalone)', () => {
  it('admits any infohash without --allow, and serves /stats', async () => {
    const t = await startTracker({ port: 0, quiet: true })
    try {
      expect(t.open).toBe(true)
      const c = await Client.open(t.url)
      clients.push(c)
      c.send(announce(UNKNOWN, 80))
      expect((await c.next())['failure reason']).toBeUndefined()
      const s = await getJson<{ peers: number, swarms: number }>(t.port, '/stats')
      expect(s).toMatchObject({ peers: 1, swarms: 1 })
    } finally {
      await t.close()
    }
  })

  it('admits only --allow infohashes when given', async () => {
    const t = await startTracker({ port: 0, quiet: true, allow: [V1] })
    try {
      const c = await Client.open(t.url)
      clients.push(c)
      c.send(announce(UNKNOWN, 81))
      expect((await c.next())['failure reason']).toBe(UNKNOWN_INFOHASH_REASON)
      c.send(announce(V1, 81))
      expect((await c.next())['failure reason']).toBeUndefined()
    } finally {
      await t.close()
    }
  })

  it('closes its sockets on close()', async () => {
    const t = await startTracker({ port: 0, quiet: true })
    const c = await Client.open(t.url)
    clients.push(c)
    const t0 = Date.now()
    await t.close()
    await c.closed
    expect(Date.now() - t0).toBeLessThan(1000)
  })
})
