// A site with its own service worker at swarmcdn's scope keeps it (issue 15):
// the loader does not register over it, says how to integrate, and runs
// without P2P. A site worker that imports swarmcdn-sw.js is used as it is.
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import type { RunningServer } from '../../src/server/index.js'
import { launch, makeSite, publishAndServe, SCRIPT_TAG, type Site } from './harness.js'

let browser: Browser
let site: Site
let server: RunningServer

const registering = (sw: string): string => '<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="data:,"></head><body>' +
  `<script>navigator.serviceWorker.register('${sw}', { scope: '/' })</script></body></html>`

beforeAll(async () => {
  browser = await launch()
  site = await makeSite({
    pages: {
      '/index.html': `<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="data:,">${SCRIPT_TAG}</head><body>home</body></html>`,
      '/own.html': registering('/own-sw.js'),
      '/integrated.html': registering('/integrated-sw.js')
    }
  })
  server = await publishAndServe(site)
  // The site's own workers (written after publish: they are not shared assets).
  await writeFile(join(site.dir, 'own-sw.js'), `self.addEventListener('install', () => self.skipWaiting())
self.addEventListener('activate', (e) => e.waitUntil(self.clients.claim()))
self.addEventListener('fetch', () => {})`)
  await writeFile(join(site.dir, 'integrated-sw.js'), `importScripts('/swarmcdn-sw.js')
self.addEventListener('fetch', () => {})`)
})
afterAll(async () => {
  await browser?.close()
  await server?.close()
  await site?.cleanup()
})

async function siteWorkerInstalled (page: Page, path: string): Promise<void> {
  await page.goto(new URL(path, server.url).href)
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null, undefined, { timeout: 15_000 })
}
const registeredScripts = (page: Page): Promise<string[]> => page.evaluate(async () =>
  (await navigator.serviceWorker.getRegistrations()).map((r) => new URL((r.active ?? r.waiting ?? r.installing)!.scriptURL).pathname))

describe('a site with its own service worker', () => {
  it('keeps it: no registration over it, a console warning on how to integrate, no P2P', async () => {
    const context = await browser.newContext()
    const page = await context.newPage()
    const warnings: string[] = []
    const engine: string[] = []
    page.on('console', (m) => { if (m.type() === 'warning') warnings.push(m.text()) })
    page.on('request', (r) => { if (r.url().includes('swarmcdn-engine.js') || r.url().includes('swarmcdn-sw.js')) engine.push(r.url()) })
    await siteWorkerInstalled(page, '/own.html')
    await page.goto(server.url)
    expect(await page.evaluate(() => window.swarmcdn!.ready)).toBe(false)
    expect(warnings.some((w) => w.includes('/own-sw.js') && w.includes("importScripts('/swarmcdn-sw.js')"))).toBe(true)
    await page.waitForTimeout(1500)
    expect(await registeredScripts(page)).toEqual(['/own-sw.js'])
    expect(await page.evaluate(() => new URL(navigator.serviceWorker.controller!.scriptURL).pathname)).toBe('/own-sw.js')
    expect(engine).toEqual([])
    await context.close()
  })

  it('one that imports swarmcdn-sw.js is used as it is: P2P runs, the site keeps its worker', async () => {
    const context = await browser.newContext()
    const page = await context.newPage()
    const warnings: string[] = []
    page.on('console', (m) => { if (m.type() === 'warning') warnings.push(m.text()) })
    await siteWorkerInstalled(page, '/integrated.html')
    await page.goto(server.url)
    expect(await page.evaluate(() => window.swarmcdn!.ready)).toBe(true)
    await expect.poll(() => page.evaluate(() => window.swarmcdn!.stats().then((s) => s.engine?.running === true)), { timeout: 15_000 }).toBe(true)
    expect(await registeredScripts(page)).toEqual(['/integrated-sw.js'])
    expect(warnings).toEqual([])
    await context.close()
  })
})
