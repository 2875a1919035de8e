// Two trackers sharing swarms through a real Redis (redis-server on a free
// port): offers and answers cross between them, membership expires, Redis
// going away leaves each tracker serving its own visitors, and nothing that
// arrives over Redis can crash a tracker.
import { describe, it, expect, beforeAll, afterAll, beforeEach, afterEach, vi } from 'vitest'
import { Redis } from 'ioredis'
import { startTracker, type RunningTracker } from '../../../src/server/index.js'
import { startRedis, freePort, type RedisProcess } from '../../redis-server.js'
import { Client, announce, withOffers, answerTo, isOffer, isAnswer, isReply } from './tracker-client.js'
import { peerId } from './helpers.js'
import { RouteBook } from '../../../src/server/cluster/routes.js'

const H1 = '1'.repeat(40)
const hex = (s: string): string => Buffer.from(s, 'latin1').toString('hex')
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

/** Polls `read` until `ok`, or fails with the last value. */
async function until<T> (read: () => T | Promise<T>, ok: (v: T) => boolean, timeoutMs = 8000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  let v = await read()
  while (!ok(v)) {
    if (Date.now() > deadline) throw new Error(`condition not met: ${JSON.stringify(v)}`)
    await sleep(50)
    v = await read()
  }
  return v
}

let redis: RedisProcess
let admin: Redis
const trackers: RunningTracker[] = []
const clients: Client[] = []
/** What the trackers wrote on stderr (the Redis state lines). */
let stderr: string[] = []

async function tracker (opts: { redis?: string, membershipTtlMs?: number } = {}): Promise<RunningTracker> {
  const t = await startTracker({ port: 0, allow: [H1], redis: opts.redis ?? redis.url, membershipTtlMs: opts.membershipTtlMs ?? 3000 })
  trackers.push(t)
  return t
}
const connect = async (t: RunningTracker): Promise<Client> => {
  const c = await Client.open(t.url)
  clients.push(c)
  return c
}
const up = (t: RunningTracker): Promise<unknown> => until(() => t.stats().cluster?.redis, (s) => s === 'up')

beforeAll(async () => {
  redis = await startRedis()
  admin = new Redis(redis.url, { lazyConnect: true, maxRetriesPerRequest: 1 })
  await admin.connect()
})
afterAll(async () => {
  admin.disconnect()
  await redis?.stop()
})
beforeEach(() => {
  stderr = []
  vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => { stderr.push(a.join(' ')) })
})
afterEach(async () => {
  for (const c of clients.splice(0)) c.close()
  await Promise.all(trackers.splice(0).map((t) => t.close()))
  vi.restoreAllMocks()
  await admin.flushall().catch(() => {})
})

describe('tracker cluster on Redis', () => {
  it('relays an offer and its answer between peers on two trackers', async () => {
    const t1 = await tracker()
    const t2 = await tracker()
    await Promise.all([up(t1), up(t2)])
    const a = await connect(t1)
    a.send(announce(H1, 1))
    await a.next(isReply)
    const b = await connect(t2)
    b.send(withOffers(H1, 2, ['o'.repeat(20)]))
    expect((await b.next(isReply))['failure reason']).toBeUndefined()
    const offer = await a.next(isOffer)
    expect(offer).toMatchObject({ action: 'announce', offer: { type: 'offer', sdp: `v=0 offer ${'o'.repeat(20)}` }, offer_id: 'o'.repeat(20), peer_id: peerId(2) })
    a.send(answerTo(H1, 1, peerId(2), 'o'.repeat(20)))
    const answer = await b.next(isAnswer)
    expect(answer).toMatchObject({ action: 'announce', answer: { type: 'answer', sdp: `v=0 answer ${'o'.repeat(20)}` }, offer_id: 'o'.repeat(20), peer_id: peerId(1) })
    expect(t2.stats().cluster).toMatchObject({ offersSent: 1, answersReceived: 1 })
    expect(t1.stats().cluster).toMatchObject({ offersReceived: 1, answersSent: 1 })
    // Shared membership: both peers listed, each under its own tracker.
    const members = await admin.zrange(`swarmcdn:swarm:${H1}`, '0', '-1')
    expect(members.sort()).toEqual([`${t1.stats().cluster!.node}:${hex(peerId(1))}`, `${t2.stats().cluster!.node}:${hex(peerId(2))}`].sort())
    // Metrics count relays by kind and direction only.
    const text = await (await fetch(t2.metricsUrl)).text()
    expect(text).toMatch(/swarmcdn_cluster_relayed_total\{kind="offer",direction="sent"\} 1/)
    expect(text).toMatch(/swarmcdn_cluster_redis_up 1/)
  })

  it('spreads offers over the whole swarm, local and remote peers alike', async () => {
    const t1 = await tracker()
    const t2 = await tracker()
    await Promise.all([up(t1), up(t2)])
    const local = await connect(t2)
    local.send(announce(H1, 10))
    await local.next(isReply)
    const remote = await connect(t1)
    remote.send(announce(H1, 11))
    await remote.next(isReply)
    const c = await connect(t2)
    c.send(withOffers(H1, 12, ['a'.repeat(20), 'b'.repeat(20), 'c'.repeat(20)]))
    await c.next(isReply)
    // Two other peers in the swarm, three offers: each peer gets exactly one.
    const [x, y] = await Promise.all([local.next(isOffer), remote.next(isOffer)])
    expect(new Set([x.offer_id, y.offer_id]).size).toBe(2)
    await sleep(200)
    expect(local.inbox.filter(isOffer)).toHaveLength(0)
    expect(remote.inbox.filter(isOffer)).toHaveLength(0)
  })

  it('lets members of a dead tracker expire, and drops them as soon as an offer finds nobody', async () => {
    const t1 = await tracker({ membershipTtlMs: 1500 })
    await up(t1)
    const key = `swarmcdn:swarm:${H1}`
    // Two ghosts of a process that died without a word: one past its expiry,
    // one still listed but whose process no longer listens on its channel.
    await admin.zadd(key, Date.now() - 1, `${'d'.repeat(16)}:${'e'.repeat(40)}`, Date.now() + 60_000, `${'d'.repeat(16)}:${'f'.repeat(40)}`)
    const b = await connect(t1)
    b.send(withOffers(H1, 3, ['p'.repeat(20), 'q'.repeat(20)]))
    await b.next(isReply)
    // The live ghost is offered to once; nobody receives it, so it is removed.
    await until(() => admin.zscore(key, `${'d'.repeat(16)}:${'f'.repeat(40)}`), (s) => s === null)
    expect(t1.stats().cluster!.offersSent).toBe(1)
    // The expired one is swept by the next re-scoring (every ttl/3).
    await until(() => admin.zcard(key), (n) => n === 1)
    expect(await admin.zrange(key, '0', '-1')).toEqual([`${t1.stats().cluster!.node}:${hex(peerId(3))}`])
    // A tracker that stops cleanly leaves at once.
    await t1.close()
    trackers.splice(trackers.indexOf(t1), 1)
    expect(await admin.zcard(key)).toBe(0)
  })

  it('refuses a malformed Redis URL with a clear message', async () => {
    await expect(startTracker({ port: 0, redis: 'http://127.0.0.1:6379' })).rejects.toThrow(/invalid Redis URL "http:\/\/127.0.0.1:6379" \(expected redis:\/\/HOST:PORT/)
    await expect(startTracker({ port: 0, redis: 'not a url' })).rejects.toThrow(/invalid Redis URL/)
  })

  it('serves its own visitors when Redis cannot be reached, and says so', async () => {
    const t = await tracker({ redis: `redis://127.0.0.1:${await freePort()}` })
    await until(() => t.stats().cluster?.redis, (s) => s === 'down')
    expect(stderr.join('\n')).toMatch(/cannot reach Redis at redis:\/\/127\.0\.0\.1:\d+\/? \(ECONNREFUSED\); serving this process's own visitors only, retrying/)
    const a = await connect(t)
    a.send(announce(H1, 20))
    await a.next(isReply)
    const b = await connect(t)
    b.send(withOffers(H1, 21, ['r'.repeat(20)]))
    await b.next(isReply)
    expect(await a.next(isOffer)).toMatchObject({ offer_id: 'r'.repeat(20), peer_id: peerId(21) })
    const text = await (await fetch(t.metricsUrl)).text()
    expect(text).toMatch(/swarmcdn_cluster_redis_up 0/)
  })

  it('keeps serving when Redis goes away, and shares swarms again when it is back', async () => {
    const t1 = await tracker()
    const t2 = await tracker()
    await Promise.all([up(t1), up(t2)])
    const a = await connect(t1)
    a.send(announce(H1, 30))
    await a.next(isReply)
    await redis.stop()
    await until(() => [t1.stats().cluster?.redis, t2.stats().cluster?.redis], (s) => s[0] === 'down' && s[1] === 'down')
    expect(stderr.join('\n')).toMatch(/lost Redis at .*; serving this process's own visitors only until it is back/)
    // Local relays go on.
    const b = await connect(t1)
    b.send(withOffers(H1, 31, ['s'.repeat(20)]))
    await b.next(isReply)
    expect(await a.next(isOffer)).toMatchObject({ offer_id: 's'.repeat(20) })
    // Redis comes back empty; each tracker re-lists its peers, and a peer on
    // the other tracker finds `a` again.
    await redis.restart()
    await Promise.all([up(t1), up(t2)])
    expect(stderr.join('\n')).toMatch(/Redis at .* is back/)
    const c = await connect(t2)
    c.send(withOffers(H1, 32, ['t'.repeat(20), 'u'.repeat(20)]))
    await c.next(isReply)
    expect(await a.next(isOffer, 5000)).toMatchObject({ peer_id: peerId(32) })
  })

  it('never crashes on malformed cross-process messages, and counts them', async () => {
    const t1 = await tracker()
    await up(t1).catch((err: unknown) => { throw new Error(`${String(err)}: ${stderr.join('; ')}`) })
    const channel = `swarmcdn:node:${t1.stats().cluster!.node}`
    const a = await connect(t1)
    a.send(announce(H1, 40))
    await a.next(isReply)
    const good = { v: 1, type: 'offer', from: 'a'.repeat(16), infoHash: H1, peerId: 'b'.repeat(40), to: hex(peerId(40)), offerId: 'x'.repeat(20), offer: { type: 'offer', sdp: 'v=0' } }
    const bad: Array<string | Buffer> = [
      '', 'null', '[]', '{', '"text"', '42', Buffer.from([0xff, 0xfe, 0x00, 0x80]),
      JSON.stringify({ ...good, v: 2 }),
      JSON.stringify({ ...good, type: 'bogus' }),
      JSON.stringify({ ...good, from: 'zz' }),
      JSON.stringify({ ...good, infoHash: H1.slice(1) }),
      JSON.stringify({ ...good, to: { length: 40 } }),
      JSON.stringify({ ...good, offer: null }),
      JSON.stringify({ ...good, offer: { type: 'offer', sdp: 7 } }),
      JSON.stringify({ ...good, offerId: '' }),
      JSON.stringify({ ...good, type: 'answer' }),
      '{"__proto__":{"v":1},"constructor":{"prototype":{"x":1}}}',
      JSON.stringify({ ...good, offer: { type: 'offer', sdp: 'x'.repeat(200_000) } }),
      JSON.stringify({ ...good, to: 'c'.repeat(40) })
    ]
    for (const m of bad) await admin.publish(channel, m)
    await admin.publish(channel, JSON.stringify(good))
    // The one good message arrives, after all the bad ones were dropped.
    expect(await a.next(isOffer)).toMatchObject({ offer_id: 'x'.repeat(20), peer_id: Buffer.from('b'.repeat(40), 'hex').toString('latin1') })
    const dropped = t1.stats().cluster!.dropped
    expect(dropped).toEqual({ malformed: 15, version: 2, oversized: 1, no_peer: 1 })
    expect(a.inbox.filter(isOffer)).toHaveLength(0)
    const text = await (await fetch(t1.metricsUrl)).text()
    expect(text).toMatch(/swarmcdn_cluster_dropped_total\{reason="malformed"\} 15/)
  })
})

describe('answer routes', () => {
  it('drop expired routes as new ones come, and hold at most the cap', () => {
    const book = new RouteBook(3, 1000)
    book.set(H1, 'a'.repeat(40), 'n1', 0)
    book.set(H1, 'b'.repeat(40), 'n2', 500)
    expect(book.size).toBe(2)
    // At 1,200 ms the first route (0 ms) is past its TTL: the next set drops it.
    book.set(H1, 'c'.repeat(40), 'n3', 1200)
    expect(book.size).toBe(2)
    expect(book.get(H1, 'a'.repeat(40), 1200)).toBeNull()
    expect(book.get(H1, 'b'.repeat(40), 1200)).toBe('n2')
    // Past the cap, the oldest go first even when not yet expired.
    book.set(H1, 'd'.repeat(40), 'n4', 1300)
    book.set(H1, 'e'.repeat(40), 'n5', 1400)
    expect(book.size).toBe(3)
    expect(book.get(H1, 'b'.repeat(40), 1400)).toBeNull()
    expect(book.get(H1, 'e'.repeat(40), 1400)).toBe('n5')
    // A refreshed route moves to the newest end and lives a whole TTL again.
    book.set(H1, 'c'.repeat(40), 'n3', 2300)
    expect(book.get(H1, 'c'.repeat(40), 3200)).toBe('n3')
  })
})
