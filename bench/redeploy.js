// Redeploy (issue 15 point 4): v1 → v2 with 1 of 10 assets changed. R
// returning v1 visitors reload; their leader follows the SW to v2 and seeds
// the unchanged assets from the verified store; then the first new v2 visitor
// loads every asset. Measured: the new visitor's share of the unchanged bytes
// from peers, origin asset bytes the reloads cost, and how long after the
// reload each returning leader seeded v2.
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { assetBytes, bytes, fetchAllInPage, launch, makeSite, median, publishSite, serve, stats, visit, waitControlled, waitForPeers, waitForSeed } from './lib.js'

const ASSET_COUNT = 10
const RETURNING = 2
const CHANGED = '/assets/a3.bin'
const ASSETS = Object.fromEntries(Array.from({ length: ASSET_COUNT }, (_, i) => [`/assets/a${i}.bin`, { kind: 'bin', size: 200_000 + i * 20_000 }]))

export const REDEPLOY_DEFINITION = `${ASSET_COUNT} assets (${ASSETS['/assets/a0.bin'].size / 1000}–${ASSETS[`/assets/a${ASSET_COUNT - 1}.bin`].size / 1000} KB), ${RETURNING} v1 visitors seed every asset, ${CHANGED} changes and the site is republished; the v1 visitors reload; share = bytes of the 9 unchanged assets the first new v2 visitor got from peers / their bytes`

async function poll (page, test, what, timeout = 30_000) {
  const start = Date.now()
  for (;;) {
    const s = await stats(page)
    if (test(s)) return
    if (Date.now() - start > timeout) throw new Error(`${what} not reached after ${timeout} ms: ${JSON.stringify(s.engine)}`)
    await page.waitForTimeout(50)
  }
}

export async function redeploy () {
  const site = await makeSite(ASSETS, 300)
  const browser = await launch()
  const paths = Object.keys(ASSETS)
  const contexts = []
  let origin
  try {
    await publishSite(site.dir)
    origin = await serve(site.dir)
    const returning = []
    for (let i = 0; i < RETURNING; i++) {
      const v = await visit(browser, origin.url)
      contexts.push(v.context)
      await waitControlled(v.page)
      await fetchAllInPage(v.page, paths)
      await waitForSeed(v.page)
      returning.push(v)
    }
    await writeFile(join(site.dir, CHANGED), bytes(ASSETS[CHANGED].size, 4242))
    await publishSite(site.dir)
    const m2 = await (await fetch(new URL('swarmcdn.json', origin.url))).json()
    const changedPieces = Math.ceil(m2.assets[CHANGED].size / m2.pieceLength)
    await origin.reset()
    const followMs = []
    for (const v of returning) {
      const t0 = Date.now()
      await v.page.reload()
      await waitControlled(v.page)
      await poll(v.page, (s) => s.engine?.running && s.engine.infoHash === m2.infoHash && s.engine.piecesHeld >= s.engine.piecesTotal - changedPieces, 'leader seeding v2')
      followMs.push(Date.now() - t0)
    }
    // What the reloads cost the origin in asset bytes (0: v2 was seeded from the store).
    const reloadAssetBytes = assetBytes(await origin.stats(), paths)
    const n = await visit(browser, origin.url)
    contexts.push(n.context)
    await waitControlled(n.page)
    await waitForPeers(n.page)
    const got = await fetchAllInPage(n.page, paths)
    let unchanged = 0
    let fromPeers = 0
    for (const [p, r] of Object.entries(got)) {
      if (p === CHANGED) continue
      unchanged += r.length
      if (r.source === 'peer') fromPeers += r.length
    }
    const share = fromPeers / unchanged
    return {
      definition: REDEPLOY_DEFINITION,
      returning: RETURNING,
      unchangedBytes: unchanged,
      unchangedBytesFromPeers: fromPeers,
      share,
      goal: 0.9,
      followMsMedian: median(followMs),
      followMs,
      reloadAssetBytes
    }
  } finally {
    for (const c of contexts) await c.close().catch(() => {})
    await browser.close()
    await origin?.close()
    await site.cleanup()
  }
}
