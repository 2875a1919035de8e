// Loader options that reach the engine: data-ice-servers (malformed → a clear
// error, not a silent fallback), data-ice-transport-policy and data-ice-url
// (time-limited TURN credentials, fetched again once expired). A test engine
// module in front of the real one records what start() was given.
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import type { RunningServer } from '../../src/server/index.js'
import { sendJson, startFront, type Front } from './front.js'
import { fetchAll, launch, makeSite, publishAndServe, SCRIPT_TAG, visit, waitControlled, waitForPeers, waitForSeed, type Site } from './harness.js'

let browser: Browser
let site: Site
let server: RunningServer
let front: Front

const page = (attrs: string): string => '<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="data:,">' +
  `<script src="/swarmcdn.js" defer data-engine="/spy-engine.js" ${attrs}></script><script src="/listen.js" defer></script></head><body>options</body></html>`

beforeAll(async () => {
  browser = await launch()
  site = await makeSite({
    pages: {
      '/index.html': `<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="data:,">${SCRIPT_TAG}</head><body>seed</body></html>`,
      '/malformed.html': page('data-ice-servers="[{&quot;urls&quot;: oops"'),
      '/ice.html': page('data-ice-url="/swarmcdn/ice"'),
      '/failing-ice.html': page('data-ice-url="/swarmcdn/broken-ice" data-ice-servers="[]"'),
      '/relay.html': page('data-ice-servers="[]" data-ice-transport-policy="relay"'),
      '/budget.html': page('data-ice-servers="[]" data-storage-budget="1048576"')
    }
  })
  server = await publishAndServe(site)
  // Written after publish: test scaffolding, not site assets.
  await writeFile(join(site.dir, 'spy-engine.js'), `import { start as realStart } from '/swarmcdn-engine.js'
export async function start (o) {
  (window.__starts ??= []).push({ iceServers: o.iceServers, iceTransportPolicy: o.iceTransportPolicy, ...(o.storageBudget !== undefined ? { storageBudget: o.storageBudget } : {}) })
  return realStart(o)
}`)
  await writeFile(join(site.dir, 'listen.js'), `window.__errors = []
window.swarmcdn.addEventListener('error', (e) => window.__errors.push(e.detail.message))`)
  front = await startFront(server)
})
afterAll(async () => {
  await browser?.close()
  await front?.close()
  await server?.close()
  await site?.cleanup()
})

interface Start { iceServers: RTCIceServer[], iceTransportPolicy: string, storageBudget?: number }
const starts = (p: Page): Promise<Start[]> => p.evaluate(() => (window as unknown as { __starts?: Start[] }).__starts ?? [])
const url = (path: string): string => new URL(path, front.url).href

describe('data-ice-servers and data-ice-transport-policy', () => {
  it('a malformed data-ice-servers: console.error and an error event, then the default STUN server', async () => {
    const v = await visit(browser, url('/malformed.html'))
    await waitControlled(v.page)
    await expect.poll(async () => (await starts(v.page)).length, { timeout: 15_000 }).toBe(1)
    expect((await starts(v.page))[0]!.iceServers).toEqual([{ urls: 'stun:stun.l.google.com:19302' }])
    expect(v.errors.some((e) => /swarmcdn: data-ice-servers .*JSON list/.test(e))).toBe(true)
    const events = await v.page.evaluate(() => (window as unknown as { __errors: string[] }).__errors)
    expect(events.some((m) => m.startsWith('data-ice-servers'))).toBe(true)
    await v.context.close()
  })

  it('data-ice-transport-policy="relay" reaches the engine', async () => {
    const v = await visit(browser, url('/relay.html'))
    await waitControlled(v.page)
    await expect.poll(async () => (await starts(v.page)).length, { timeout: 15_000 }).toBe(1)
    expect((await starts(v.page))[0]).toEqual({ iceServers: [], iceTransportPolicy: 'relay' })
    expect(v.errors).toEqual([])
    await v.context.close()
  })

  it('data-storage-budget reaches the engine, which hands it to the service worker', async () => {
    const v = await visit(browser, url('/budget.html'))
    await waitControlled(v.page)
    await expect.poll(async () => (await starts(v.page)).length, { timeout: 15_000 }).toBe(1)
    expect((await starts(v.page))[0]).toEqual({ iceServers: [], iceTransportPolicy: 'all', storageBudget: 1_048_576 })
    expect(v.errors).toEqual([])
    await v.context.close()
  })
})

describe('data-ice-url', () => {
  it('the endpoint\'s servers reach the engine; fetched again on a restart only once expired; P2P works', async () => {
    let grant = { iceServers: [] as RTCIceServer[], expiresAt: Date.now() + 1000 }
    front.handler = (path, _req, res) => path === '/swarmcdn/ice' && sendJson(res, 200, grant)
    const seed = await visit(browser, url('/'))
    await waitControlled(seed.page)
    await fetchAll(seed.page, site)
    await waitForSeed(seed.page)

    const v = await visit(browser, url('/ice.html'))
    await waitControlled(v.page)
    // [] from the endpoint instead of the default STUN server, which this closed machine cannot reach.
    await expect.poll(async () => (await starts(v.page)).length, { timeout: 15_000 }).toBe(1)
    expect((await starts(v.page))[0]!.iceServers).toEqual([])
    await waitForPeers(v.page)
    expect(front.requests('/swarmcdn/ice')).toBe(1)

    // The grant has expired by now: an engine restart fetches a new one.
    await v.page.waitForTimeout(1100)
    grant = { iceServers: [{ urls: 'stun:127.0.0.1:3478' }], expiresAt: Date.now() + 3600_000 }
    const restart = async (n: number): Promise<void> => {
      await v.page.evaluate(() => window.swarmcdn!.optOut())
      await v.page.evaluate(() => window.swarmcdn!.optIn())
      await expect.poll(async () => (await starts(v.page)).length, { timeout: 15_000 }).toBe(n)
    }
    await restart(2)
    expect(front.requests('/swarmcdn/ice')).toBe(2)
    expect((await starts(v.page))[1]!.iceServers).toEqual(grant.iceServers)
    // Still valid for an hour: the next restart uses it without asking.
    await restart(3)
    expect(front.requests('/swarmcdn/ice')).toBe(2)
    expect((await starts(v.page))[2]!.iceServers).toEqual(grant.iceServers)
    await v.context.close()
    await seed.context.close()
    front.handler = () => false
  })

  it('a failing endpoint: data-ice-servers is used and P2P works', async () => {
    front.handler = (path, _req, res) => path === '/swarmcdn/broken-ice' && sendJson(res, 503, { error: 'down' })
    const seed = await visit(browser, url('/'))
    await waitControlled(seed.page)
    await fetchAll(seed.page, site)
    await waitForSeed(seed.page)
    const v = await visit(browser, url('/failing-ice.html'))
    await waitControlled(v.page)
    await waitForPeers(v.page)
    expect(front.requests('/swarmcdn/broken-ice')).toBeGreaterThanOrEqual(1)
    expect((await starts(v.page))[0]!.iceServers).toEqual([])
    const got = await fetchAll(v.page, site)
    expect(Object.values(got).some((r) => r.source === 'peer')).toBe(true)
    await v.context.close()
    await seed.context.close()
    front.handler = () => false
  })
})
