// Putting the swarmcdn SW in control of this page: the kill-switch check
// before registering again, registering (or adopting a site worker that
// imported swarmcdn-sw.js), and waiting for it to claim the page.
import { Workbox } from 'workbox-window'
import type { LoaderOptions } from './options.js'
import { foreignWorker, integrationHint } from './foreign-sw.js'

/** How long a first visit waits for the new SW to take control. */
const CLAIM_TIMEOUT_MS = 10_000
/** The kill-switch check before registering again: a stalled origin must not hold the page's setup. */
const MANIFEST_CHECK_MS = 5000

/** Whether the site's manifest turned swarmcdn off (an unreachable manifest counts as off). */
export async function siteDisabled (manifest: string): Promise<boolean> {
  try {
    const res = await fetch(manifest, { cache: 'no-cache', signal: AbortSignal.timeout(MANIFEST_CHECK_MS) })
    if (!res.ok) return true
    return (await res.json() as { disabled?: unknown }).disabled === true
  } catch { return true }
}

/**
 * The registration swarmcdn's SW runs under (null: a site worker's, not
 * found), or false when there is none: a site worker that does not answer
 * swarmcdn's messages (`swAnswers`), or registration blocked.
 */
export async function registerSw (options: LoaderOptions, swAnswers: boolean, debug: (...a: unknown[]) => void): Promise<ServiceWorkerRegistration | null | false> {
  const foreign = await foreignWorker(options.scope, options.sw)
  if (foreign) {
    // A site worker that answers swarmcdn's messages imported swarmcdn-sw.js: use it as it is.
    if (!swAnswers) { console.warn(integrationHint(foreign, options.sw)); return false }
    return (await navigator.serviceWorker.getRegistration(options.scope)) ?? null
  }
  try {
    const url = new URL(options.sw)
    url.searchParams.set('manifest', options.manifest)
    if (options.debug) url.searchParams.set('debug', '1')
    const wb = new Workbox(url.href, { scope: options.scope, updateViaCache: 'none' })
    return (await wb.register()) ?? null
  } catch (err) {
    // Blocked service workers (policy, private mode) leave the site untouched.
    debug('service worker registration failed', err)
    return false
  }
}

/** True once an SW controls this page, false if none did within CLAIM_TIMEOUT_MS. */
export const controlled = (): boolean | Promise<boolean> => !!navigator.serviceWorker.controller || Promise.race([
  // claim() follows activation within milliseconds; an SW that never claims
  // (kill switch, install failure) must not leave `ready` pending forever.
  new Promise<boolean>((resolve) => navigator.serviceWorker.addEventListener('controllerchange', () => resolve(true), { once: true })),
  new Promise<boolean>((resolve) => setTimeout(() => resolve(false), CLAIM_TIMEOUT_MS))
])
