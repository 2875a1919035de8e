// Engine-neutral probes for visitors in any browser: each engine's driver
// (Playwright, puppeteer over WebDriver BiDi, WebDriver classic) only has to
// run a function in the page and return its JSON result.
import { sha256, type FetchResult, type Site } from '../harness.js'

/** Runs `fn(arg)` in the visitor's page and resolves to its (JSON) result. */
export type Run = <T, A = unknown>(fn: (arg: A) => T | Promise<T>, arg?: A) => Promise<T>

/** Resolves once a service worker controls the page; the wait runs in the page (no polling over the driver). */
export async function waitControlled (run: Run, timeoutMs = 20_000): Promise<void> {
  const ok = await run(async (ms: number) => {
    if (navigator.serviceWorker.controller) return true
    return new Promise<boolean>((resolve) => {
      const t = setTimeout(() => resolve(Boolean(navigator.serviceWorker.controller)), ms)
      navigator.serviceWorker.addEventListener('controllerchange', () => { clearTimeout(t); resolve(true) }, { once: true })
    })
  }, timeoutMs)
  if (!ok) throw new Error(`page not controlled by the service worker after ${timeoutMs} ms`)
}

/** fetch() inside the page (through the SW), returning what the page received. */
export async function pageFetch (run: Run, path: string): Promise<FetchResult> {
  const r = await run(async (p: string) => {
    const res = await fetch(p)
    const buf = new Uint8Array(await res.arrayBuffer())
    const h: Record<string, string> = {}
    res.headers.forEach((v, k) => { h[k] = v })
    let s = ''
    for (let i = 0; i < buf.length; i += 0x8000) s += String.fromCharCode(...buf.subarray(i, i + 0x8000))
    return { status: res.status, headers: h, b64: btoa(s) }
  }, path)
  const body = Buffer.from(r.b64, 'base64')
  return { status: r.status, source: r.headers['x-swarmcdn-source'] ?? null, sha256: sha256(body), length: body.length, headers: r.headers }
}

export async function fetchAll (run: Run, site: Site): Promise<Record<string, FetchResult>> {
  const out: Record<string, FetchResult> = {}
  for (const path of Object.keys(site.assets)) out[path] = await pageFetch(run, path)
  return out
}

export async function stats (run: Run): Promise<Record<string, any>> {
  return run(async () => {
    const api = (window as unknown as { swarmcdn?: { stats: () => Promise<unknown> } }).swarmcdn
    return api ? JSON.parse(JSON.stringify(await api.stats())) : null
  })
}

/** Polls `stats()` in the page until `done` holds; the last stats go into the error. */
async function until (run: Run, what: string, done: (s: Record<string, any>) => boolean, timeoutMs: number): Promise<void> {
  const start = Date.now()
  let last: Record<string, any> | null = null
  for (;;) {
    last = await stats(run)
    if (last && done(last)) return
    if (Date.now() - start > timeoutMs) throw new Error(`${what} not reached after ${timeoutMs} ms: ${JSON.stringify(last && { peers: last.peers, engine: last.engine })}`)
    await new Promise((r) => setTimeout(r, 150))
  }
}

export const waitForPeers = (run: Run, n = 1, timeoutMs = 20_000): Promise<void> =>
  until(run, `${n} peer(s)`, (s) => s.peers >= n, timeoutMs)

export const waitForSeed = (run: Run, timeoutMs = 20_000): Promise<void> =>
  until(run, 'full seed', (s) => Boolean(s.engine && s.engine.piecesTotal > 0 && s.engine.piecesHeld === s.engine.piecesTotal), timeoutMs)

/** Every asset arrived whole and exact from `source`. */
export function expectAll (results: Record<string, FetchResult>, site: Site, source: string, expect: (v: unknown, m?: string) => any): void {
  for (const [path, r] of Object.entries(results)) {
    expect(r.status, path).toBe(200)
    expect(r.source, path).toBe(source)
    expect(r.length, path).toBe(site.assets[path]!.length)
    expect(r.sha256, path).toBe(sha256(site.assets[path]!))
  }
}

/** A small site: one asset over 256 KiB so block-by-block verification is in play. */
export const ENGINE_ASSETS: Record<string, number> = {
  '/css/site.css': 6_000,
  '/js/app.js': 40_000,
  '/img/photo.jpg': 700_000
}
