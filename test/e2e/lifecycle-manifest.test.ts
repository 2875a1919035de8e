// The service worker against a site that changes or fails under it (issue 18):
// a stalled manifest does not stall activation, a 5xx keeps the last good
// release and is retried with backoff, {"disabled": true} alone is a kill
// switch, and a worker whose script was deleted from the site removes itself.
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { ServerResponse } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import type { RunningServer } from '../../src/server/index.js'
import { sendJson, startFront, type Front } from './front.js'
import { launch, makeSite, pageFetch, publishAndServe, stats, visit, waitControlled, type Site } from './harness.js'

let browser: Browser
let site: Site
let server: RunningServer
let front: Front
let infoHash: string
const stalled: ServerResponse[] = []

beforeAll(async () => {
  browser = await launch()
  site = await makeSite()
  server = await publishAndServe(site)
  infoHash = (JSON.parse(await readFile(join(site.dir, 'swarmcdn.json'), 'utf8')) as { infoHash: string }).infoHash
  front = await startFront(server)
})
afterAll(async () => {
  for (const res of stalled) res.destroy()
  await browser?.close()
  await front?.close()
  await server?.close()
  await site?.cleanup()
})

const MANIFEST = '/swarmcdn.json'
const controlled = (p: Page): Promise<boolean> => p.evaluate(() => Boolean(navigator.serviceWorker.controller))
const registrations = (p: Page): Promise<number> => p.evaluate(async () => (await navigator.serviceWorker.getRegistrations()).length)

describe('manifest fetch', () => {
  it('a stalled manifest does not stall activation; the release arrives by itself once the origin answers', async () => {
    let stall = true
    front.handler = (path, _req, res) => {
      if (path !== MANIFEST || !stall) return false
      stalled.push(res) // never answered
      return true
    }
    const v = await visit(browser, front.url)
    // Without a deadline the SW waited for the manifest forever and never claimed the page.
    expect(await v.page.evaluate(() => window.swarmcdn!.ready)).toBe(true)
    expect((await stats(v.page)).infoHash).toBeNull()
    stall = false
    // A retry (with backoff) fetches it without any navigation.
    await expect.poll(async () => (await stats(v.page)).infoHash, { timeout: 15_000 }).toBe(infoHash)
    await v.context.close()
    front.handler = () => false
  })

  it('the loader\'s own manifest check (after the kill switch fired) has a deadline too', async () => {
    front.handler = (path, _req, res) => {
      if (path !== MANIFEST) return false
      stalled.push(res) // never answered
      return true
    }
    const context = await browser.newContext()
    // This visitor saw the kill switch fire: the loader asks the manifest before registering again.
    await context.addInitScript(() => localStorage.setItem('swarmcdn:killed', '1'))
    const page = await context.newPage()
    await page.goto(front.url)
    // Without a deadline `ready` stayed pending for as long as the origin stalled.
    const ready = await page.evaluate(() => Promise.race([window.swarmcdn!.ready, new Promise((resolve) => setTimeout(() => resolve('pending'), 10_000))]))
    expect(ready).toBe(false)
    expect(await registrations(page)).toBe(0)
    await context.close()
    front.handler = () => false
  })

  it('a 5xx keeps the last good release and is retried with growing delays', async () => {
    const v = await visit(browser, front.url)
    await waitControlled(v.page)
    await expect.poll(async () => (await stats(v.page)).infoHash, { timeout: 10_000 }).toBe(infoHash)
    const failures: number[] = []
    let failing = true
    front.handler = (path, _req, res) => {
      if (path !== MANIFEST || !failing) return false
      failures.push(Date.now())
      return sendJson(res, 503, { error: 'maintenance' })
    }
    await v.page.goto(front.url) // the navigation's manifest check meets the 503
    await expect.poll(() => failures.length, { timeout: 15_000 }).toBeGreaterThanOrEqual(3)
    const [a, b, c] = failures as [number, number, number]
    // Backoff: the second wait is longer than the first.
    expect(c - b).toBeGreaterThan((b - a) * 1.5)
    const s = await stats(v.page)
    expect(s.infoHash).toBe(infoHash)
    expect(s.manifestError ?? null).toBeNull()
    // P2P stays on: the SW still answers manifest assets itself.
    expect((await pageFetch(v.page, '/img/small.png')).source).not.toBeNull()
    failing = false
    await v.context.close()
    front.handler = () => false
  })

  it('{"disabled": true} alone fires the kill switch', async () => {
    const v = await visit(browser, front.url)
    await waitControlled(v.page)
    front.handler = (path, _req, res) => path === MANIFEST && sendJson(res, 200, { disabled: true })
    await v.page.goto(front.url) // the SW sees the flag on this navigation
    await expect.poll(() => registrations(v.page), { timeout: 10_000 }).toBe(0)
    await v.page.goto(front.url)
    expect(await controlled(v.page)).toBe(false)
    await v.context.close()
    front.handler = () => false
  })
})

describe('swarmcdn removed from the site', () => {
  it('swarmcdn-sw.js answering 404: the worker drops its caches and unregisters', async () => {
    const v = await visit(browser, front.url)
    await waitControlled(v.page)
    await pageFetch(v.page, '/img/small.png')
    await expect.poll(() => v.page.evaluate(async () => (await caches.keys()).some((k) => k.startsWith('swarmcdn-'))), { timeout: 10_000 }).toBe(true)
    front.handler = (path, _req, res) => {
      if (path !== '/swarmcdn-sw.js') return false
      res.writeHead(404, { 'Content-Type': 'text/plain' })
      res.end('not found')
      return true
    }
    await v.page.goto(front.url) // the worker checks its script after this navigation
    await expect.poll(() => registrations(v.page), { timeout: 15_000 }).toBe(0)
    await expect.poll(() => v.page.evaluate(async () => (await caches.keys()).filter((k) => k.startsWith('swarmcdn-'))), { timeout: 10_000 }).toEqual([])
    // From the next navigation on, pages are uncontrolled, and stay so.
    await v.page.goto(front.url)
    expect(await controlled(v.page)).toBe(false)
    expect(await v.page.evaluate(() => window.swarmcdn!.ready)).toBe(false)
    expect(await registrations(v.page)).toBe(0)
    await v.context.close()
    front.handler = () => false
  })
})
