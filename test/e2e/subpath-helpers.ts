// Browser-state probes for the subpath tests: what swarmcdn keeps in
// IndexedDB, and a real service-worker restart (Chromium stops idle workers
// after ~30 s; a test cannot wait for that).
import type { Page } from 'playwright-core'

/** Every key and value of idb-keyval's store (the `keyval-store` database) on the page's origin. */
export async function idbState (page: Page): Promise<Record<string, unknown>> {
  return page.evaluate(async () => {
    const done = <T>(r: IDBRequest<T>): Promise<T> => new Promise((resolve, reject) => { r.onsuccess = () => resolve(r.result); r.onerror = () => reject(r.error) })
    const db = await done(indexedDB.open('keyval-store'))
    try {
      if (!db.objectStoreNames.contains('keyval')) return {}
      const store = db.transaction('keyval').objectStore('keyval')
      const [keys, values] = await Promise.all([done(store.getAllKeys()), done(store.getAll())])
      return Object.fromEntries(keys.map((k, i) => [String(k), values[i]]))
    } finally { db.close() }
  })
}

/**
 * Stops the running service workers of `scopes` (Chromium, over CDP) and
 * resolves once each has been seen stopped: the next message starts a fresh
 * worker that has only what it saved.
 */
export async function stopWorkers (page: Page, scopes: string[]): Promise<void> {
  const cdp = await page.context().newCDPSession(page)
  const scopeOf = new Map<string, string>()
  const stopped = new Set<string>()
  let armed = false
  let wake: () => void = () => {}
  cdp.on('ServiceWorker.workerRegistrationUpdated', (e: { registrations: Array<{ registrationId: string, scopeURL: string }> }) => {
    for (const r of e.registrations) scopeOf.set(r.registrationId, r.scopeURL)
  })
  cdp.on('ServiceWorker.workerVersionUpdated', (e: { versions: Array<{ registrationId: string, runningStatus: string }> }) => {
    for (const v of e.versions) if (armed && v.runningStatus === 'stopped') stopped.add(scopeOf.get(v.registrationId) ?? '')
    wake()
  })
  try {
    await cdp.send('ServiceWorker.enable')
    armed = true
    await cdp.send('ServiceWorker.stopAllWorkers')
    const deadline = Date.now() + 10_000
    while (!scopes.every((s) => stopped.has(s))) {
      if (Date.now() > deadline) throw new Error(`workers not stopped: ${JSON.stringify([...stopped])}`)
      await new Promise<void>((resolve) => { wake = resolve; setTimeout(resolve, 100) })
    }
  } finally {
    await cdp.detach().catch(() => {})
  }
}
