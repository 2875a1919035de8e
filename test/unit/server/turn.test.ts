// TURN REST credentials (src/server/turn.ts): the format coturn's
// use-auth-secret checks, the configuration's errors, and GET /swarmcdn/ice.
import { describe, it, expect, afterAll } from 'vitest'
import { createHmac } from 'node:crypto'
import { startServer, startTracker, ICE_PATH, mintTurnCredential, turnConfig, iceJson, type IceJson, type RunningServer, type RunningTracker } from '../../../src/server/index.js'
import { makeSite, request, type Site } from './helpers.js'

const SECRET = 'north-wind'

describe('mintTurnCredential', () => {
  it('username is "<expiry unix s>:<id>", credential is base64(HMAC-SHA1(secret, username))', () => {
    const now = 1_700_000_000_500
    const c = mintTurnCredential(SECRET, 3600, now)
    const [expiry, id] = c.username.split(':')
    expect(Number(expiry)).toBe(1_700_000_000 + 3600)
    expect(id).toMatch(/^[A-Za-z0-9_-]{12}$/)
    expect(c.expiresAt).toBe((1_700_000_000 + 3600) * 1000)
    expect(c.credential).toBe(createHmac('sha1', SECRET).update(c.username).digest('base64'))
  })

  it('matches an independently computed vector (openssl dgst -sha1 -hmac)', () => {
    // printf '1700000000:abc' | openssl dgst -sha1 -hmac north-wind -binary | base64
    expect(createHmac('sha1', SECRET).update('1700000000:abc').digest('base64')).toBe('skG9UHs7kLUTdO6hRUMTYUovESA=')
  })

  it('every credential has its own id', () => {
    const a = mintTurnCredential(SECRET, 60)
    const b = mintTurnCredential(SECRET, 60)
    expect(a.username).not.toBe(b.username)
  })
})

describe('turnConfig', () => {
  it('nothing given: no TURN', () => {
    expect(turnConfig({})).toBeNull()
  })
  it('defaults the lifetime to an hour', () => {
    expect(turnConfig({ secret: 's', urls: ['turn:t.example:3478?transport=udp'] })).toEqual({ secret: 's', urls: ['turn:t.example:3478?transport=udp'], ttlSeconds: 3600 })
  })
  it.each([
    [{ urls: ['turn:t.example'] }, /--turn-url needs --turn-secret/],
    [{ secret: '', urls: ['turn:t.example'] }, /--turn-url needs --turn-secret/],
    [{ secret: 's' }, /--turn-secret needs at least one --turn-url/],
    [{ ttlSeconds: 60 }, /--turn-ttl needs --turn-secret and --turn-url/],
    [{ secret: 's', urls: ['http://t.example'] }, /invalid --turn-url "http:\/\/t.example": expected turn:HOST/],
    [{ secret: 's', urls: ['turn:t.example:99999'] }, /port 99999 is out of range/],
    [{ secret: 's', urls: ['turn:t.example?transport=sctp'] }, /transport must be udp or tcp/],
    [{ secret: 's', urls: ['stun:t.example?transport=udp'] }, /stun: URLs take no \?transport/],
    [{ secret: 's', urls: ['stun:t.example'] }, /at least one URL must be turn:/],
    [{ secret: 's', urls: ['turn:t.example'], ttlSeconds: 0 }, /invalid --turn-ttl "0"/],
    [{ secret: 's', urls: ['turn:t.example'], ttlSeconds: 1.5 }, /invalid --turn-ttl "1.5"/],
    [{ secret: 's', urls: ['turn:t.example'], ttlSeconds: 8 * 24 * 3600 }, /whole seconds from 1 to 604800/]
  ])('%j → %s', (opts, message) => {
    expect(() => turnConfig(opts)).toThrow(message)
  })
  it('accepts IPv6 literals, turns: and stun: beside turn:', () => {
    expect(() => turnConfig({ secret: 's', urls: ['turn:[2001:db8::1]:3478?transport=tcp', 'turns:t.example:5349', 'stun:t.example'] })).not.toThrow()
  })
})

describe('iceJson', () => {
  it('lists stun: URLs without credentials and turn: URLs with the minted pair', () => {
    const config = turnConfig({ secret: SECRET, urls: ['stun:t.example:3478', 'turn:t.example:3478?transport=udp', 'turn:t.example:3478?transport=tcp'], ttlSeconds: 600 })!
    const now = Date.now()
    const j = iceJson(config, now)
    expect(j.iceServers[0]).toEqual({ urls: ['stun:t.example:3478'] })
    const turn = j.iceServers[1]!
    expect(turn.urls).toEqual(['turn:t.example:3478?transport=udp', 'turn:t.example:3478?transport=tcp'])
    expect(turn.credential).toBe(createHmac('sha1', SECRET).update(turn.username!).digest('base64'))
    expect(j.expiresAt).toBeGreaterThanOrEqual(now + 599_000)
    expect(j.expiresAt).toBeLessThanOrEqual(now + 600_000)
  })
})

describe('GET /swarmcdn/ice', () => {
  let site: Site
  let server: RunningServer | undefined
  let tracker: RunningTracker | undefined
  afterAll(async () => {
    await server?.close()
    await tracker?.close()
    await site?.cleanup()
  })

  it('serve: fresh credentials per request, no-store, JSON', async () => {
    site = await makeSite({ '/index.html': '<h1>ice</h1>' })
    server = await startServer({ dir: site.dir, port: 0, quiet: true, turn: { secret: SECRET, urls: ['turn:t.example:3478?transport=udp'], ttlSeconds: 120 } })
    expect(server.iceUrl).toBe(`${server.url}swarmcdn/ice`)
    const a = await request(server.port, ICE_PATH)
    const b = await request(server.port, ICE_PATH)
    expect(a.status).toBe(200)
    expect(a.headers['cache-control']).toBe('no-store')
    expect(a.headers['content-type']).toBe('application/json; charset=utf-8')
    const ja = JSON.parse(a.body.toString()) as IceJson
    const jb = JSON.parse(b.body.toString()) as IceJson
    expect(ja.iceServers[0]!.username).not.toBe(jb.iceServers[0]!.username)
    expect(ja.expiresAt - Date.now()).toBeGreaterThan(100_000)
    expect((await request(server.port, ICE_PATH, { method: 'POST' })).status).toBe(405)
    // Not counted as origin asset traffic.
    expect(server.stats().origin.requests).toBe(0)
  })

  it('serve without TURN: no endpoint', async () => {
    const plain = await startServer({ dir: site.dir, port: 0, quiet: true })
    try {
      expect(plain.iceUrl).toBeNull()
      expect((await request(plain.port, ICE_PATH)).status).toBe(404)
    } finally {
      await plain.close()
    }
  })

  it('the standalone tracker mints too, readable cross-origin', async () => {
    tracker = await startTracker({ port: 0, quiet: true, turn: { secret: SECRET, urls: ['turn:t.example:3478?transport=tcp'] } })
    const r = await request(tracker.port, ICE_PATH, { headers: { Origin: 'http://site.example' } })
    expect(r.status).toBe(200)
    expect(r.headers['access-control-allow-origin']).toBe('*')
    expect(r.headers['cache-control']).toBe('no-store')
    const j = JSON.parse(r.body.toString()) as IceJson
    expect(j.iceServers).toHaveLength(1)
    expect(j.expiresAt - Date.now()).toBeGreaterThan(3_590_000)
  })

  it('bad configuration fails before listening', async () => {
    await expect(startServer({ dir: site.dir, port: 0, quiet: true, turn: { secret: SECRET, urls: [] } })).rejects.toThrow(/--turn-secret needs/)
  })
})
