// How the project starts Firefox: Debian's firefox-esr, driven by
// puppeteer-core over WebDriver BiDi (the protocol Firefox keeps; CDP is gone).
import { existsSync } from 'node:fs'
import puppeteer from 'puppeteer-core'

/** $SWARMCDN_FIREFOX, else Debian's /usr/bin/firefox-esr, else /usr/bin/firefox. */
export function firefoxPath () {
  const env = process.env.SWARMCDN_FIREFOX
  if (env) return env
  for (const p of ['/usr/bin/firefox-esr', '/usr/bin/firefox']) if (existsSync(p)) return p
  return undefined
}

/** The machine's network is closed: no background traffic Firefox would wait on. */
export const FIREFOX_PREFS = {
  'network.captive-portal-service.enabled': false,
  'network.connectivity-service.enabled': false,
  'browser.safebrowsing.update.enabled': false,
  'toolkit.telemetry.enabled': false,
  'app.update.auto': false
}

/**
 * Headless Firefox with the project's prefs plus `prefs`. puppeteer makes a
 * fresh temporary profile and removes it on `browser.close()`; callers close
 * in `finally`.
 */
export function launchFirefox ({ prefs = {} } = {}) {
  const executablePath = firefoxPath()
  if (!executablePath) throw new Error('Firefox not installed (Debian: firefox-esr) and $SWARMCDN_FIREFOX not set')
  return puppeteer.launch({
    browser: 'firefox',
    executablePath,
    protocol: 'webDriverBiDi',
    headless: true,
    extraPrefsFirefox: { ...FIREFOX_PREFS, ...prefs }
  })
}
