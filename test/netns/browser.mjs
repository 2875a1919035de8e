// A headless Chromium inside a home namespace, driven by Playwright.
//
// Playwright talks to the browser it launches over a pipe (file descriptors
// 3 and 4), which `ip netns exec` passes through as it execs: so Playwright
// launches a two-line wrapper that enters the namespace and execs Chromium.
// The test process stays outside the emulated network (it cannot reach it);
// only the browser is inside. connectOverCDP would need a TCP port reachable
// from outside the namespace.
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium } from 'playwright-core'
import { CHROMIUM_ARGS, chromiumPath } from '../../scripts/chromium.mjs'

/**
 * Chromium inside `ns`. `secureOrigin` (`http://ADDR:PORT`) is treated as
 * secure: service workers need a secure context, and outside loopback plain
 * http is not one.
 */
export async function launchInNamespace (ns, { secureOrigin, extraArgs = [] } = {}) {
  const exe = chromiumPath() ?? 'chromium'
  const dir = await mkdtemp(join(tmpdir(), 'swarmcdn-netns-chromium-'))
  const wrapper = join(dir, 'chromium')
  // Namespace and path are quoted as single-quoted shell words; neither holds a quote.
  if (/'/.test(ns + exe)) throw new Error('unexpected quote in namespace or Chromium path')
  await writeFile(wrapper, `#!/bin/sh\nexec ip netns exec '${ns}' '${exe}' "$@"\n`)
  await chmod(wrapper, 0o755)
  const args = [...CHROMIUM_ARGS, ...extraArgs]
  if (secureOrigin) args.push(`--unsafely-treat-insecure-origin-as-secure=${secureOrigin}`)
  try {
    const browser = await chromium.launch({ executablePath: wrapper, args, headless: true })
    browser.on('disconnected', () => { rm(dir, { recursive: true, force: true }).catch(() => {}) })
    return browser
  } catch (err) {
    await rm(dir, { recursive: true, force: true })
    throw err
  }
}
