// Case 14: the tracker flooded with announces for unknown infohashes and with
// oversized messages, from many connections at once: every one refused, the
// server keeps answering, memory stays bounded, no swarm is created.
// (Single-connection cases are unit tests in test/unit/server/tracker.test.ts.)
import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { WebSocket } from 'ws'
import { MAX_MESSAGE_BYTES, UNKNOWN_INFOHASH_REASON, type RunningServer } from '../../../src/server/index.js'
import { makeSite, publishAndServe, type Site } from '../harness.js'

const CONNECTIONS = 300
const ANNOUNCES_EACH = 30 // under the per-connection burst (MESSAGE_BURST = 100): refused for the infohash, not the rate
const OVERSIZED = 40

let site: Site
let server: RunningServer
beforeAll(async () => {
  site = await makeSite({ assets: { '/a.css': 1000 }, seed: 111 })
  server = await publishAndServe(site)
})
afterAll(async () => {
  await server?.close()
  await site?.cleanup()
})

function open (url: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url)
    ws.once('open', () => resolve(ws))
    ws.once('error', reject)
  })
}

const bin = (): string => randomBytes(20).toString('latin1')

async function timedGet (url: string): Promise<{ ms: number, status: number }> {
  const t = performance.now()
  const res = await fetch(url)
  await res.arrayBuffer()
  return { ms: performance.now() - t, status: res.status }
}

describe('tracker flood', () => {
  it(`${CONNECTIONS} connections × ${ANNOUNCES_EACH} unknown-infohash announces plus ${OVERSIZED} oversized messages: all refused, server responsive, memory bounded`, async () => {
    const heap0 = process.memoryUsage().heapUsed
    const sockets = await Promise.all(Array.from({ length: CONNECTIONS }, () => open(server.trackerUrl)))
    let failures = 0
    let other = 0
    const allAnswered = Promise.all(sockets.map((ws) => new Promise<void>((resolve) => {
      let n = 0
      ws.on('message', (data) => {
        const msg = JSON.parse(data.toString()) as Record<string, unknown>
        if (msg['failure reason'] === UNKNOWN_INFOHASH_REASON) failures++
        else other++
        if (++n === ANNOUNCES_EACH) resolve()
      })
      ws.on('close', () => resolve())
    })))
    for (const ws of sockets) {
      for (let i = 0; i < ANNOUNCES_EACH; i++) {
        ws.send(JSON.stringify({ action: 'announce', info_hash: bin(), peer_id: bin(), numwant: 5, uploaded: 0, downloaded: 0, left: 0, event: 'started', offers: [] }))
      }
    }
    // Oversized messages on their own connections, sent meanwhile.
    const big = JSON.stringify({ action: 'announce', info_hash: bin(), peer_id: bin(), junk: 'x'.repeat(MAX_MESSAGE_BYTES + 1) })
    const oversized = await Promise.all(Array.from({ length: OVERSIZED }, () => open(server.trackerUrl)))
    const closes = oversized.map((ws) => new Promise<number>((resolve) => ws.on('close', (code) => resolve(code))))
    for (const ws of oversized) ws.send(big)
    // The origin answers while the flood is processed.
    const during = await timedGet(new URL('/a.css', server.url).href)
    expect(during.status).toBe(200)
    await allAnswered
    const codes = await Promise.all(closes)
    expect(codes.every((c) => c === 1009)).toBe(true)
    expect(failures).toBe(CONNECTIONS * ANNOUNCES_EACH)
    expect(other).toBe(0)
    const t = server.stats().tracker
    expect(t.swarms).toBe(0)
    expect(t.peers).toBe(0)
    expect(t.rejected.unknown_infohash).toBeGreaterThanOrEqual(CONNECTIONS * ANNOUNCES_EACH)
    expect(t.rejected.oversized).toBeGreaterThanOrEqual(OVERSIZED)
    const after = await timedGet(server.statsUrl)
    expect(after.status).toBe(200)
    const growth = process.memoryUsage().heapUsed - heap0
    console.info(`tracker flood: origin answered in ${during.ms.toFixed(0)} ms during the flood, stats in ${after.ms.toFixed(0)} ms after; heap growth ${(growth / 1e6).toFixed(1)} MB (client and server in one process)`)
    expect(during.ms).toBeLessThan(2000)
    // Client sockets, buffers and server state share this process: a generous bound
    // that still catches per-message retention (9,000 refused announces).
    expect(growth).toBeLessThan(64 * 1024 * 1024)
    for (const ws of sockets) ws.terminate()
    await new Promise((r) => setTimeout(r, 200))
    expect(server.stats().tracker.connections).toBe(0)
  })
})
