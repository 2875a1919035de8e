// How every headless Chromium of this project (tests, benchmarks, demo
// visitors) is found and started: one place for the path and the flags.
import { existsSync } from 'node:fs'
import { chromium } from 'playwright-core'

/**
 * $SWARMCDN_CHROMIUM, else Debian's /usr/bin/chromium, else the browser
 * Playwright installed itself (where one is; it cannot download one here).
 */
export function chromiumPath () {
  const env = process.env.SWARMCDN_CHROMIUM
  if (env) return env
  if (existsSync('/usr/bin/chromium')) return '/usr/bin/chromium'
  return undefined
}

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  // The machine's network is closed: no background or component traffic.
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-default-apps',
  '--disable-domain-reliability',
  '--metrics-recording-only',
  // Node WebRTC peers cannot resolve Chromium's mDNS host candidates.
  '--disable-features=WebRtcHideLocalIpsWithMdns'
]

/** Headless Chromium with the project's flags, plus `extraArgs`. */
export function launchChromium (extraArgs = []) {
  return chromium.launch({ executablePath: chromiumPath(), args: [...CHROMIUM_ARGS, ...extraArgs], headless: true })
}
