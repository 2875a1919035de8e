// The service worker's own memory, read over CDP on its target: what it holds
// of a stream is JS heap plus ArrayBuffer backing stores (Uint8Array blocks
// live outside the JS heap, so heap size alone would miss them).
// Bytes Blink holds natively for the worker (a body that fetch() is still
// accumulating for arrayBuffer(), data pipes) are not in either figure: they
// show once they become an ArrayBuffer, so callers sample until the worker
// is done, not only while the page plays.
// Playwright opens CDP sessions on pages and frames only, so this attaches
// through the browser session and talks to the worker target by message.

/**
 * Attaches to the swarmcdn service worker that controls `page` (its script
 * URL contains `swarmcdn-sw.js`; its browser context is the page's, so other
 * visitors' workers in the same browser are never picked). Returns
 * { sample(), detach() }: sample() collects garbage first, so it reports what
 * the worker retains, not what it has yet to free: { heapUsed, backingStore,
 * total } in bytes.
 */
export async function attachSwMemory (browser, page) {
  const own = await page.context().newCDPSession(page)
  const { targetInfo } = await own.send('Target.getTargetInfo')
  await own.detach()
  const cdp = await browser.newBrowserCDPSession()
  const { targetInfos } = await cdp.send('Target.getTargets')
  const target = targetInfos.find((t) => t.type === 'service_worker' && t.url.includes('swarmcdn-sw.js') && t.browserContextId === targetInfo.browserContextId)
  if (!target) { await cdp.detach(); throw new Error('no swarmcdn service worker in this page\'s browser context') }
  const { sessionId } = await cdp.send('Target.attachToTarget', { targetId: target.targetId, flatten: false })
  let nextId = 1
  const waiting = new Map()
  cdp.on('Target.receivedMessageFromTarget', (e) => {
    if (e.sessionId !== sessionId) return
    const msg = JSON.parse(e.message)
    const w = waiting.get(msg.id)
    if (!w) return
    waiting.delete(msg.id)
    if (msg.error) w.reject(new Error(`${msg.error.message} (${msg.error.code})`))
    else w.resolve(msg.result)
  })
  const call = (method, params = {}) => new Promise((resolve, reject) => {
    const id = nextId++
    waiting.set(id, { resolve, reject })
    cdp.send('Target.sendMessageToTarget', { sessionId, message: JSON.stringify({ id, method, params }) }).catch(reject)
  })
  return {
    async sample () {
      await call('HeapProfiler.collectGarbage')
      const u = await call('Runtime.getHeapUsage')
      const heapUsed = u.usedSize
      const backingStore = u.backingStorageSize ?? 0
      return { heapUsed, backingStore, total: heapUsed + backingStore }
    },
    async detach () {
      await cdp.send('Target.detachFromTarget', { sessionId }).catch(() => {})
      await cdp.detach().catch(() => {})
    }
  }
}

/**
 * Samples `mem` every `everyMs` until stop() is called; stop() resolves with
 * { samples, peak } (peak of `total`).
 */
export function sampleWhile (mem, everyMs = 250) {
  const samples = []
  let stopped = false
  const loop = (async () => {
    while (!stopped) {
      try { samples.push({ at: Date.now(), ...(await mem.sample()) }) } catch { /* worker restarting: skip */ }
      await new Promise((resolve) => setTimeout(resolve, everyMs))
    }
  })()
  return {
    async stop () {
      stopped = true
      await loop
      return { samples, peak: samples.reduce((m, s) => Math.max(m, s.total), 0) }
    }
  }
}
