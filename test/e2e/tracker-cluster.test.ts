// Two real `swarmcdn tracker --redis` processes sharing swarms through a real
// redis-server, visited by real Chromium visitors:
//  - a visitor whose page names tracker 1 gets every asset from a visitor
//    whose page names tracker 2 (offer and answer cross through Redis);
//  - when tracker 1 dies (SIGKILL), its members leave Redis within the TTL,
//    its visitors reconnect (through a front that, like a load balancer,
//    sends new connections to a live process) to tracker 2 and keep sharing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { spawn, type ChildProcess } from 'node:child_process'
import net from 'node:net'
import { fileURLToPath } from 'node:url'
import type { Browser } from 'playwright-core'
import { Redis } from 'ioredis'
import { publish } from '../../src/cli/publish.js'
import { startServer, type RunningServer } from '../../src/server/index.js'
import { startRedis, type RedisProcess } from '../redis-server.js'
import { fetchAll, launch, makeSite, sha256, visit, waitControlled, waitForPeers, waitForSeed, type Site, type Visitor } from './harness.js'

const bin = fileURLToPath(new URL('../../bin/swarmcdn.js', import.meta.url))
const ASSETS = { '/css/site.css': 6_000, '/js/app.js': 40_000, '/img/photo.png': 300_000 }
/** Short, so the test sees a dead process's members go; the default is 30 s. */
const TTL_S = 2

interface TrackerProc { child: ChildProcess, port: number, url: string, statsUrl: string, stderr: () => string }

function startTrackerProcess (redisUrl: string, dir: string): Promise<TrackerProc> {
  const child = spawn(process.execPath, [bin, 'tracker', '--port', '0', '--redis', redisUrl, '--redis-ttl', String(TTL_S), '--dir', dir], { stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  let err = ''
  child.stderr!.on('data', (d: Buffer) => { err += d.toString() })
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { reject(new Error(`tracker did not start: ${out} ${err}`)) }, 15_000)
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString()
      const m = /tracker at (ws:\/\/127\.0\.0\.1:(\d+)\/announce)[\s\S]*stats +(\S+)/.exec(out)
      if (m !== null) {
        clearTimeout(timer)
        resolve({ child, port: Number(m[2]), url: m[1]!, statsUrl: m[3]!, stderr: () => err })
      }
    })
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`tracker exited (${code}): ${err}`)) })
  })
}

/**
 * A TCP front for the trackers, as a load balancer or a DNS name would be:
 * each new connection goes to the first backend that accepts it.
 */
function startFront (backends: () => number[]): Promise<{ port: number, close: () => void }> {
  const sockets = new Set<net.Socket>()
  const server = net.createServer((client) => {
    sockets.add(client)
    client.on('close', () => sockets.delete(client))
    client.on('error', () => {})
    client.pause()
    const tryNext = (list: number[]): void => {
      if (list.length === 0) { client.destroy(); return }
      const up = net.connect(list[0]!, '127.0.0.1')
      up.once('connect', () => {
        sockets.add(up)
        up.on('close', () => { sockets.delete(up); client.destroy() })
        client.on('close', () => up.destroy())
        up.on('error', () => {})
        client.pipe(up)
        up.pipe(client)
        client.resume()
      })
      up.once('error', () => { if (!up.readyState.includes('open')) tryNext(list.slice(1)) })
    }
    tryNext(backends())
  })
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      resolve({ port: (server.address() as net.AddressInfo).port, close: () => { for (const s of sockets) s.destroy(); server.close() } })
    })
  })
}

const json = async <T>(url: string): Promise<T> => await (await fetch(url)).json() as T
interface ClusterStats { peers: number, cluster: { node: string, redis: string, offersSent: number, offersReceived: number, answersSent: number, answersReceived: number } }

async function until<T> (what: string, read: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const v = await read()
    if (ok(v)) return v
    if (Date.now() > deadline) throw new Error(`${what}: ${JSON.stringify(v)}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

let redis: RedisProcess
let admin: Redis
let browser: Browser
let t1: TrackerProc
let t2: TrackerProc
let front: { port: number, close: () => void }
const sites: Site[] = []
const origins: RunningServer[] = []
const visitors: Visitor[] = []

/** A copy of the same site (same bytes, so the same infohash) whose pages announce to `tracker`. */
async function origin (tracker: string): Promise<RunningServer> {
  const site = await makeSite({ assets: ASSETS, seed: 7 })
  sites.push(site)
  await publish({ dir: site.dir, trackers: [tracker], onWarning: () => {} })
  const srv = await startServer({ dir: site.dir, port: 0, quiet: true })
  origins.push(srv)
  return srv
}
async function visitor (srv: RunningServer): Promise<Visitor> {
  const v = await visit(browser, srv.url)
  visitors.push(v)
  await waitControlled(v.page)
  return v
}

beforeAll(async () => {
  redis = await startRedis()
  admin = new Redis(redis.url, { lazyConnect: true })
  await admin.connect()
  const first = await makeSite({ assets: ASSETS, seed: 7 })
  sites.push(first)
  ;[t1, t2] = await Promise.all([startTrackerProcess(redis.url, first.dir), startTrackerProcess(redis.url, first.dir)])
  await publish({ dir: first.dir, onWarning: () => {} })
  front = await startFront(() => [t1.port, t2.port])
  browser = await launch()
})

afterAll(async () => {
  for (const v of visitors) await v.context.close().catch(() => {})
  await browser?.close()
  front?.close()
  for (const t of [t1, t2]) if (t !== undefined && t.child.exitCode === null) t.child.kill('SIGKILL')
  await Promise.all(origins.map((o) => o.close()))
  await Promise.all(sites.map((s) => s.cleanup()))
  admin?.disconnect()
  await redis?.stop()
})

describe('tracker cluster', () => {
  it('connects visitors on different tracker processes; a dead process leaves no ghosts and its visitors keep sharing through the other', async () => {
    const viaT1 = await origin(t1.url)
    const viaT2 = await origin(t2.url)
    const viaFront = await origin(`ws://127.0.0.1:${front.port}/announce`)
    const expected = Object.fromEntries(Object.entries(sites[1]!.assets).map(([p, b]) => [p, sha256(b)]))

    // A (tracker 1) takes everything from its origin and seeds it.
    const a = await visitor(viaT1)
    for (const [path, r] of Object.entries(await fetchAll(a.page, sites[1]!))) {
      expect(r.sha256, path).toBe(expected[path])
      expect(r.source, path).toBe('origin')
    }
    await waitForSeed(a.page)

    // B (tracker 2) finds A across processes and gets every byte from it.
    const b = await visitor(viaT2)
    await waitForPeers(b.page, 1)
    for (const [path, r] of Object.entries(await fetchAll(b.page, sites[2]!))) {
      expect(r.sha256, path).toBe(expected[path])
      expect(r.source, path).toBe('peer')
    }
    expect(viaT2.stats().origin.byPath['/img/photo.png']).toBeUndefined()
    const s1 = await json<ClusterStats>(t1.statsUrl)
    const s2 = await json<ClusterStats>(t2.statsUrl)
    expect(s1.cluster.redis).toBe('up')
    expect(s2.cluster.offersSent + s1.cluster.offersSent).toBeGreaterThanOrEqual(1)
    expect(s1.cluster.offersReceived + s2.cluster.offersReceived).toBeGreaterThanOrEqual(1)
    expect(s1.cluster.answersSent + s2.cluster.answersSent).toBeGreaterThanOrEqual(1)
    await waitForSeed(b.page)

    // C announces through the front, which sends it to tracker 1 while it lives.
    const c = await visitor(viaFront)
    await waitForPeers(c.page, 1)
    for (const [path, r] of Object.entries(await fetchAll(c.page, sites[3]!))) {
      expect(r.sha256, path).toBe(expected[path])
      expect(r.source, path).toBe('peer')
    }
    await waitForSeed(c.page)
    const node1 = s1.cluster.node
    const key = (await admin.keys('swarmcdn:swarm:*'))[0]!
    const members = async (): Promise<string[]> => await admin.zrange(key, '0', '-1')
    expect((await members()).filter((m) => m.startsWith(`${node1}:`))).toHaveLength(2) // A and C

    // Tracker 1 dies without a word.
    t1.child.kill('SIGKILL')
    // Its members leave the shared membership within the TTL (plus one sweep).
    const killedAt = Date.now()
    await until('tracker 1 members gone from Redis', members, (m) => !m.some((x) => x.startsWith(`${node1}:`)), 15_000)
    const goneMs = Date.now() - killedAt
    expect(goneMs).toBeLessThan(TTL_S * 1000 + 3000)
    // C reconnects through the front to tracker 2 (A, whose page names only tracker 1, cannot).
    await until('C on tracker 2', () => json<ClusterStats>(t2.statsUrl), (s) => s.peers >= 2, 30_000)

    // A and B leave; D, on tracker 2, gets everything from C alone.
    await a.context.close()
    await b.context.close()
    const d = await visitor(viaT2)
    await waitForPeers(d.page, 1)
    for (const [path, r] of Object.entries(await fetchAll(d.page, sites[2]!))) {
      expect(r.sha256, path).toBe(expected[path])
      expect(r.source, path).toBe('peer')
    }
    for (const v of [c, d]) expect(v.errors).toEqual([])
  })
})
