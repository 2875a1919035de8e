// One emulated Internet with everything a scenario needs, torn down as one:
// homes behind NAT, coturn and the real origin + tracker on the public
// address, the published site, and a Chromium in each home.
import { execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { createInternet, netnsUnavailable } from './net.mjs'
import { startCoturn } from './coturn.mjs'
import { fetchIn, startOrigin } from './origin.mjs'
import { launchInNamespace } from './browser.mjs'
import { makeSite } from './site.mjs'
import { chromiumPath } from '../../scripts/chromium.mjs'

/** Why the scenarios cannot run here (no root, no namespaces, no coturn or Chromium), or null. */
export async function environmentUnavailable () {
  const why = await netnsUnavailable()
  if (why) return why
  try { execFileSync('sh', ['-c', 'command -v turnserver'], { stdio: 'ignore' }) } catch { return 'coturn is not installed (Debian: coturn)' }
  if (!chromiumPath()) return 'no Chromium (Debian: chromium, or set SWARMCDN_CHROMIUM)'
  return null
}

/**
 * homes: HomeOptions per home, in order (Chromium launched in each).
 * variants(coturn, ice): folder name → script tag, given coturn's URLs and
 * what the origin's GET /swarmcdn/ice answered (`iceServers` with minted
 * TURN credentials, `expiresAt`).
 */
export async function startEnvironment ({ homes, variants }) {
  const secret = randomBytes(16).toString('hex')
  const net = await createInternet()
  const env = { net, secret, homes: [], browsers: [], coturn: null, origin: null, site: null, ice: null }
  env.close = async () => {
    for (const b of env.browsers) await b.close().catch(() => {})
    await env.origin?.close().catch(() => {})
    await env.coturn?.close().catch(() => {})
    await env.site?.cleanup().catch(() => {})
    await net.close()
  }
  try {
    for (const h of homes) env.homes.push(await net.addHome(h))
    env.coturn = await startCoturn({ ns: net.pub, address: net.publicAddress, secret })
    env.site = await makeSite()
    // The origin mints TURN credentials for coturn's secret, as a deployment does.
    const turnArgs = ['--turn-secret', secret, '--turn-url', env.coturn.stun, '--turn-url', env.coturn.turnUdp, '--turn-url', env.coturn.turnTcp]
    env.origin = await startOrigin({ ns: net.pub, dir: env.site.dir, address: net.publicAddress, extraArgs: turnArgs })
    const ice = await fetchIn(net.pub, new URL('swarmcdn/ice', env.origin.url).href)
    if (ice.status !== 200) throw new Error(`GET /swarmcdn/ice: HTTP ${ice.status}`)
    env.ice = JSON.parse(ice.body)
    await env.site.writePages(variants(env.coturn, env.ice))
    for (const h of env.homes) env.browsers.push(await launchInNamespace(h.ns, { secureOrigin: env.origin.origin }))
  } catch (err) {
    await env.close()
    throw err
  }
  return env
}
