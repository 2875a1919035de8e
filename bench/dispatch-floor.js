// The floor under the no-peer overhead (issue 13 §6): what any service worker
// that sees a page's asset requests costs that page on this machine, whatever
// its fetch handler does. The same asset page as the no-peer figure
// (pageload.js), reached the same two ways (another tab of the visitor, and a
// navigation in the same tab), under five controllers, runs alternated:
// - plain:        no service worker;
// - no-handler:   a worker with no fetch listener (Chromium skips dispatch);
// - empty:        `addEventListener('fetch', () => {})`. Chromium sees that
//                 the listener is empty and skips dispatching to it, so this
//                 is the no-handler case again (the check that it still is);
// - no-answer:    a listener that looks at the request and returns without
//                 respondWith (the browser then fetches it itself): the cost
//                 of dispatching a fetch event, and nothing else;
// - passthrough:  respondWith(fetch(event.request)), the smallest worker that
//                 answers;
// - swarmcdn:     the product, no peers online.
// Every row is a ratio to plain. `no-answer` is the floor of any worker that
// must see a page's asset requests to decide about them.
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { launch, loadTiming, makeSite, median, publishSite, quantile, serve, visit, waitControlled, waitForEngine } from './lib.js'

const WORKERS = {
  'no-handler': "self.addEventListener('install', () => self.skipWaiting()); self.addEventListener('activate', (e) => e.waitUntil(self.clients.claim()))",
  empty: "self.addEventListener('install', () => self.skipWaiting()); self.addEventListener('activate', (e) => e.waitUntil(self.clients.claim())); self.addEventListener('fetch', () => {})",
  'no-answer': "self.addEventListener('install', () => self.skipWaiting()); self.addEventListener('activate', (e) => e.waitUntil(self.clients.claim())); self.addEventListener('fetch', (e) => { if (e.request.method === 'NONE') e.respondWith(new Response('')) })",
  passthrough: "self.addEventListener('install', () => self.skipWaiting()); self.addEventListener('activate', (e) => e.waitUntil(self.clients.claim())); self.addEventListener('fetch', (e) => e.respondWith(fetch(e.request)))"
}
export const CONTROLLERS = ['plain', ...Object.keys(WORKERS), 'swarmcdn']
const LANDING_DWELL_MS = 2000

/** /floor/<name>/index.html and page.html: the plain pages plus a loader registering the minimal worker. */
export async function addFloorPages (dir) {
  for (const [name, code] of Object.entries(WORKERS)) {
    const d = join(dir, 'floor', name)
    await mkdir(d, { recursive: true })
    await writeFile(join(d, 'sw.js'), code)
    await writeFile(join(d, 'reg.js'), `navigator.serviceWorker.register('/floor/${name}/sw.js', { scope: '/floor/${name}/' })`)
    const tag = `<script src="/floor/${name}/reg.js" defer></script>`
    for (const page of ['index.html', 'page.html']) {
      const html = await readFile(join(dir, 'plain', page), 'utf8')
      await writeFile(join(d, page), html.replace('</title>', `</title>${tag}`))
    }
  }
}

function prefixOf (controller) {
  if (controller === 'plain') return 'plain/'
  if (controller === 'swarmcdn') return ''
  return `floor/${controller}/`
}

async function run (browser, base, controller, how, paths) {
  const prefix = prefixOf(controller)
  const { context, page } = await visit(browser, `${base}${prefix}index.html`)
  try {
    if (controller !== 'plain') await waitControlled(page)
    if (controller === 'swarmcdn') await waitForEngine(page)
    await page.waitForTimeout(LANDING_DWELL_MS)
    const target = how === 'tab' ? await context.newPage() : page
    await target.goto(`${base}${prefix}page.html`, { waitUntil: 'load' })
    const t = await loadTiming(target, paths)
    if (Object.keys(t.assets).length !== paths.length) throw new Error(`${controller}/${how}: ${Object.keys(t.assets).length} of ${paths.length} assets`)
    const controlled = await target.evaluate(() => Boolean(navigator.serviceWorker.controller))
    if (controlled !== (controller !== 'plain')) throw new Error(`${controller}/${how}: page ${controlled ? '' : 'not '}controlled`)
    return t
  } finally {
    await context.close()
  }
}

export async function dispatchFloor (reps = 5) {
  const site = await makeSite(undefined, 1, undefined, true)
  const browser = await launch()
  const paths = Object.keys(site.sizes)
  let origin
  try {
    await publishSite(site.dir)
    await addFloorPages(site.dir)
    origin = await serve(site.dir, {})
    const only = process.env.SWARMCDN_FLOOR_ONLY?.split(',')
    const variants = CONTROLLERS.filter((c) => !only || only.includes(c)).flatMap((c) => ['tab', 'nav'].map((how) => [c, how]))
    for (const [c, how] of variants) await run(browser, origin.url, c, how, paths)
    const runs = Object.fromEntries(variants.map(([c, how]) => [`${c}/${how}`, []]))
    for (let i = 0; i < reps; i++) {
      for (const [c, how] of variants) runs[`${c}/${how}`].push(await run(browser, origin.url, c, how, paths))
    }
    const out = {}
    for (const how of ['tab', 'nav']) {
      const base = median(runs[`plain/${how}`].map((r) => r.load))
      const baseP50 = quantile(runs[`plain/${how}`].flatMap((r) => paths.map((p) => r.assets[p].duration)), 0.5)
      for (const c of CONTROLLERS) {
        if (!runs[`${c}/${how}`]) continue
        const rs = runs[`${c}/${how}`]
        const load = median(rs.map((r) => r.load))
        const p50 = quantile(rs.flatMap((r) => paths.map((p) => r.assets[p].duration)), 0.5)
        out[`${c}/${how}`] = { loadMsMedian: load, loadMs: rs.map((r) => Math.round(r.load)), ratio: load / base, assetMsP50: p50, addedAssetP50Ms: p50 - baseP50 }
      }
    }
    return { reps, variants: out }
  } finally {
    await origin?.close()
    await browser.close()
    await site.cleanup()
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const reps = Number(process.argv[process.argv.indexOf('--reps') + 1]) || 5
  const r = await dispatchFloor(reps)
  console.log('controller / reached by      load ms   ÷ plain   asset p50 added')
  for (const [k, v] of Object.entries(r.variants)) console.log(`${k.padEnd(28)} ${v.loadMsMedian.toFixed(0).padStart(7)}   ${v.ratio.toFixed(2).padStart(7)}   ${v.addedAssetP50Ms.toFixed(1).padStart(6)} ms`)
  console.log(JSON.stringify(r))
}
