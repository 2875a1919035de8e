// Issue 16 §3: TURN credentials the origin mints (GET /swarmcdn/ice), against
// a real coturn (Debian's turnserver, use-auth-secret) and a real Chromium in
// an emulated home network (test/netns).
// - A visitor with freshly minted credentials gets a relay allocation: an
//   RTCPeerConnection restricted to relay gathers a relay candidate.
// - Once the credential has expired, coturn refuses it (401): no relay.
// - Two visitors whose pages name only `data-ice-url` and relay-only ICE
//   share through coturn, each with credentials of its own.
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import type { Page } from 'playwright-core'
import { environmentUnavailable, startEnvironment, type Environment } from '../../netns/env.mjs'
import { startOrigin, type NetnsOrigin } from '../../netns/origin.mjs'
import { scriptTag } from '../../netns/site.mjs'
import { fetchEach, seed, waitControlled, waitForPeers } from '../../netns/visits.mjs'

const unavailable = await environmentUnavailable()
if (unavailable !== null) console.warn(`emulated-network tests skipped: ${unavailable}`)

interface Gathered { username: string, expiresAt: number, candidates: string[], now: number }

/**
 * In the page: reads `iceUrl` (the contract the loader's data-ice-url reads),
 * optionally waits until the credential expired, then gathers ICE candidates
 * with iceTransportPolicy 'relay'; resolves the candidates' types.
 */
function gather (page: Page, iceUrl: string, waitExpiry: boolean): Promise<Gathered> {
  return page.evaluate(async ({ iceUrl, waitExpiry }) => {
    const res = await fetch(iceUrl, { cache: 'no-store' })
    const ice = await res.json() as { iceServers: RTCIceServer[], expiresAt: number }
    // coturn compares whole seconds: wait past the next one.
    if (waitExpiry) await new Promise((resolve) => setTimeout(resolve, Math.max(0, ice.expiresAt - Date.now()) + 1500))
    const pc = new RTCPeerConnection({ iceServers: ice.iceServers, iceTransportPolicy: 'relay' })
    const candidates: string[] = []
    pc.onicecandidate = (e) => { if (e.candidate) candidates.push(e.candidate.type ?? 'unknown') }
    pc.createDataChannel('probe')
    await pc.setLocalDescription(await pc.createOffer())
    await new Promise<void>((resolve) => {
      if (pc.iceGatheringState === 'complete') return resolve()
      pc.onicegatheringstatechange = () => { if (pc.iceGatheringState === 'complete') resolve() }
      setTimeout(resolve, 10_000)
    })
    pc.close()
    const turn = ice.iceServers.find((s) => s.username !== undefined)
    return { username: turn?.username ?? '', expiresAt: ice.expiresAt, candidates, now: Date.now() }
  }, { iceUrl, waitExpiry })
}

describe.skipIf(unavailable !== null)('TURN credentials minted by the origin, with coturn', () => {
  /** Resolves coturn's log once it matches `re` (it logs a request after answering it). */
  async function logged (re: RegExp, timeoutMs = 5000): Promise<string> {
    const deadline = Date.now() + timeoutMs
    while (!re.test(env.coturn.log())) {
      if (Date.now() > deadline) throw new Error(`coturn never logged ${re}:\n${env.coturn.log().slice(-3000)}`)
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    return env.coturn.log()
  }

  let env: Environment
  /** The same origin with --turn-ttl 1: its credentials expire a second after minting. */
  let shortLived: NetnsOrigin
  let page: Page
  beforeAll(async () => {
    env = await startEnvironment({
      homes: [{ nat: 'cone', downMbit: 0, upMbit: 0 }, { nat: 'cone', downMbit: 0, upMbit: 0 }],
      // No ICE servers in the HTML: only the endpoint, and relay only, so any peer traffic is through coturn.
      variants: () => ({ iceurl: scriptTag([], 'data-ice-url="/swarmcdn/ice" data-ice-transport-policy="relay"') })
    })
    const c = env.coturn
    shortLived = await startOrigin({
      ns: env.net.pub,
      dir: env.site.dir,
      address: env.net.publicAddress,
      extraArgs: ['--turn-secret', env.secret, '--turn-url', c.turnUdp, '--turn-url', c.turnTcp, '--turn-ttl', '1']
    })
    page = await (await env.browsers[0]!.newContext()).newPage()
    await page.goto(`${env.origin.url}plain/index.html`)
  }, 120_000)
  afterAll(async () => {
    await shortLived?.close()
    await env?.close()
  })

  it('a fresh credential from GET /swarmcdn/ice gets a relay allocation', async () => {
    const g = await gather(page, `${env.origin.url}swarmcdn/ice`, false)
    console.log(`netns turn credentials (fresh): ${JSON.stringify(g)}`)
    expect(g.expiresAt - g.now).toBeGreaterThan(3_000_000)
    expect(g.candidates).toContain('relay')
    await logged(new RegExp(`user <${g.username}>: incoming packet ALLOCATE processed, success`))
  })

  it('an expired credential is refused (401, no relay candidate)', async () => {
    const g = await gather(page, `${shortLived.url}swarmcdn/ice`, true)
    console.log(`netns turn credentials (expired): ${JSON.stringify({ ...g, expiredMsAgo: g.now - g.expiresAt })}`)
    expect(g.now).toBeGreaterThan(g.expiresAt)
    expect(g.candidates).not.toContain('relay')
    // coturn logs the refused ALLOCATE as "message processed, error 401", a moment after answering.
    const log = await logged(new RegExp(`user <${g.username}>: incoming packet [A-Za-z_ ]*processed, error 401`))
    expect(log).not.toMatch(new RegExp(`user <${g.username}>: incoming packet ALLOCATE processed, success`))
  })

  it('visitors whose pages name only data-ice-url share through the relay, each with its own credential', async () => {
    const before = env.coturn.log().length
    await seed(env.browsers[0]!, env.origin.url, 'iceurl', env.site.paths)
    const context = await env.browsers[1]!.newContext()
    try {
      const page = await context.newPage()
      await page.goto(`${env.origin.url}iceurl/index.html`)
      await waitControlled(page)
      await waitForPeers(page)
      const got = await fetchEach(page, env.site.paths)
      const s = await page.evaluate(() => window.swarmcdn!.stats())
      const users = new Set([...env.coturn.log().slice(before).matchAll(/user <([^>]+)>: incoming packet ALLOCATE processed, success/g)].map((m) => m[1]))
      const figures = { bytesFromPeers: s.bytesFromPeers, bytesFromOrigin: s.bytesFromOrigin, sources: Object.fromEntries(Object.entries(got).map(([p, g]) => [p, g.source])), minted: users.size }
      console.log(`netns turn credentials (data-ice-url): ${JSON.stringify(figures)}`)
      expect(Object.fromEntries(Object.entries(got).map(([p, g]) => [p, g.sha256]))).toEqual(env.site.sha256)
      expect(s.bytesFromPeers, JSON.stringify(figures)).toBeGreaterThan(0)
      // The seeder's page and the visitor's page each fetched their own.
      expect(users.size).toBeGreaterThanOrEqual(2)
    } finally {
      await context.close()
    }
  })
})
