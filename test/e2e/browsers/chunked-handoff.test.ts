// The engine's chunked hand-off to the SW, the path Safari/WebKit take
// because they cannot transfer a ReadableStream. Forced deterministically in
// Chromium: a script that runs before the page's own makes transferring a
// ReadableStream throw DataCloneError, exactly as WebKit does, and counts it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser } from 'playwright-core'
import type { RunningServer } from '../../../src/server/index.js'
import { launch, makeSite, originBytes, publishAndServe, type Site, type Visitor } from '../harness.js'
import { ENGINE_ASSETS, expectAll, fetchAll, stats, waitControlled, waitForPeers, waitForSeed, type Run } from './remote.js'

/** Runs in every frame before the page's scripts: WebKit's postMessage, as far as streams go. */
function refuseStreamTransfer (): void {
  const w = window as unknown as { __streamTransfersRefused: number }
  w.__streamTransfersRefused = 0
  const original = MessagePort.prototype.postMessage as (this: MessagePort, message: unknown, transfer?: unknown) => void
  MessagePort.prototype.postMessage = function (this: MessagePort, message: unknown, transfer?: Transferable[] | StructuredSerializeOptions) {
    const list = Array.isArray(transfer) ? transfer : (transfer?.transfer ?? [])
    if (message instanceof ReadableStream || list.some((t) => t instanceof ReadableStream) ||
      (typeof message === 'object' && message !== null && Object.values(message).some((v) => v instanceof ReadableStream))) {
      w.__streamTransfersRefused++
      throw new DOMException('The object can not be cloned.', 'DataCloneError')
    }
    original.call(this, message, transfer)
  } as typeof MessagePort.prototype.postMessage
}

describe('chunked hand-off (no transferable streams)', () => {
  let browser: Browser
  let site: Site
  let server: RunningServer
  const visitors: Visitor[] = []

  beforeAll(async () => {
    browser = await launch()
    site = await makeSite({ assets: ENGINE_ASSETS })
    server = await publishAndServe(site)
  })

  afterAll(async () => {
    for (const v of visitors) await v.context.close().catch(() => {})
    await browser?.close()
    await server?.close()
    await site?.cleanup()
  })

  async function visitor (refuse: boolean): Promise<Visitor & { run: Run }> {
    const context = await browser.newContext()
    if (refuse) await context.addInitScript(refuseStreamTransfer)
    const page = await context.newPage()
    const errors: string[] = []
    page.on('pageerror', (e) => errors.push(e.message))
    page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()) })
    await page.goto(server.url)
    const v = { context, page, errors, run: ((fn, arg) => page.evaluate(fn as any, arg)) as Run }
    visitors.push(v)
    return v
  }

  it('a leader that cannot transfer streams still delivers every peer byte, exact, in chunks', async () => {
    const a = await visitor(false)
    await waitControlled(a.run)
    expectAll(await fetchAll(a.run, site), site, 'origin', expect)
    await waitForSeed(a.run)

    const paths = Object.keys(site.assets)
    const before = originBytes(server, paths)
    const b = await visitor(true)
    await waitControlled(b.run)
    await waitForPeers(b.run)
    expectAll(await fetchAll(b.run, site), site, 'peer', expect)
    expect(originBytes(server, paths)).toBe(before)
    const total = Object.values(site.assets).reduce((n, x) => n + x.length, 0)
    expect((await stats(b.run)).bytesFromPeers).toBe(total)
    // The engine tried to transfer a stream (it probes once at start,
    // src/engine/serve.ts streamsTransferable) and took the chunked path.
    const refused = await b.page.evaluate(() => (window as unknown as { __streamTransfersRefused: number }).__streamTransfersRefused)
    expect(refused).toBeGreaterThanOrEqual(1)
    expect(a.errors).toEqual([])
    expect(b.errors).toEqual([])
  })
})
