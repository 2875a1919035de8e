// data-ice-servers validation and the data-ice-url contract:
// GET → 200 { iceServers: RTCIceServer[], expiresAt: ms since epoch }.
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ICE_EXPIRY_MARGIN_MS, ICE_FETCH_MS, iceServersProblem, iceSource, parseIceGrant } from '../../../src/page/ice.js'

const TURN = { urls: ['turn:turn.example.org:3478?transport=tcp'], username: '1700000000:visitor', credential: 'c2VjcmV0' }

describe('iceServersProblem', () => {
  it('accepts lists of RTCIceServer', () => {
    expect(iceServersProblem([])).toBeNull()
    expect(iceServersProblem([{ urls: 'stun:stun.example.org:3478' }, TURN])).toBeNull()
    expect(iceServersProblem([{ urls: 'turns:turn.example.org:443', username: 'u', credential: 'p' }])).toBeNull()
  })
  it('names what is wrong', () => {
    expect(iceServersProblem(undefined)).toMatch(/JSON list/)
    expect(iceServersProblem({ urls: 'stun:x' })).toMatch(/JSON list/)
    expect(iceServersProblem(['stun:x'])).toMatch(/entry 0 is not an object/)
    expect(iceServersProblem([{ url: 'stun:x' }])).toMatch(/entry 0: urls/)
    expect(iceServersProblem([{ urls: [] }])).toMatch(/entry 0: urls/)
    expect(iceServersProblem([{ urls: 'http://x' }])).toMatch(/entry 0: urls/)
    expect(iceServersProblem([TURN, { urls: 'turn:x', credential: 42 }])).toMatch(/entry 1: credential/)
  })
})

describe('parseIceGrant', () => {
  it('takes the agreed shape', () => {
    expect(parseIceGrant({ iceServers: [TURN], expiresAt: 1_800_000_000_000 })).toEqual({ iceServers: [TURN], expiresAt: 1_800_000_000_000 })
  })
  it('refuses anything else with a reason', () => {
    expect(() => parseIceGrant(null)).toThrow(/not a JSON object/)
    expect(() => parseIceGrant([TURN])).toThrow(/not a JSON object/)
    expect(() => parseIceGrant({ expiresAt: 1 })).toThrow(/iceServers/)
    expect(() => parseIceGrant({ iceServers: [TURN] })).toThrow(/expiresAt/)
    expect(() => parseIceGrant({ iceServers: [TURN], expiresAt: '2030-01-01' })).toThrow(/expiresAt/)
  })
})

describe('iceSource against a real endpoint', () => {
  let server: Server
  let url: string
  let hits = 0
  let answer: (res: import('node:http').ServerResponse) => void = () => {}
  const FALLBACK = [{ urls: 'stun:fallback.example.org:3478' }]
  beforeAll(async () => {
    server = createServer((_req, res) => { hits++; answer(res) })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/swarmcdn/ice`
  })
  afterAll(async () => {
    server.closeAllConnections()
    await new Promise<void>((resolve) => server.close(() => resolve()))
  })
  const json = (body: unknown, status = 200) => (res: import('node:http').ServerResponse): void => {
    res.writeHead(status, { 'Content-Type': 'application/json' })
    res.end(JSON.stringify(body))
  }

  it('no endpoint: the fallback, no request', async () => {
    hits = 0
    expect(await iceSource(null, FALLBACK)()).toBe(FALLBACK)
    expect(hits).toBe(0)
  })

  it('keeps a grant until it is about to expire, then fetches a new one', async () => {
    hits = 0
    let now = 1_000_000
    answer = json({ iceServers: [TURN], expiresAt: now + 10 * 60_000 })
    const ice = iceSource(url, FALLBACK, () => now)
    expect(await ice()).toEqual([TURN])
    expect(await ice()).toEqual([TURN])
    expect(hits).toBe(1)
    now += 10 * 60_000 - ICE_EXPIRY_MARGIN_MS + 1
    const renewed = { ...TURN, username: 'renewed' }
    answer = json({ iceServers: [renewed], expiresAt: now + 10 * 60_000 })
    expect(await ice()).toEqual([renewed])
    expect(hits).toBe(2)
  })

  it('an error status, a malformed answer or a stalled endpoint: the fallback', async () => {
    answer = json({ error: 'nope' }, 503)
    expect(await iceSource(url, FALLBACK)()).toBe(FALLBACK)
    answer = json({ iceServers: 'turn:x', expiresAt: Date.now() + 60_000 })
    expect(await iceSource(url, FALLBACK)()).toBe(FALLBACK)
    answer = () => { /* never answers */ }
    const t0 = Date.now()
    expect(await iceSource(url, FALLBACK)()).toBe(FALLBACK)
    const waited = Date.now() - t0
    expect(waited).toBeGreaterThanOrEqual(ICE_FETCH_MS - 50)
    expect(waited).toBeLessThan(ICE_FETCH_MS + 2000)
  })
})
