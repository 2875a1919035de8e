// How the project drives WebKitGTK (the engine of Safari's family on Linux):
// Debian's WebKitWebDriver speaks WebDriver classic over HTTP, so a few fetch
// calls are the whole client. WebKitGTK needs an X display; with no DISPLAY
// the launcher starts its own Xvfb and stops it again.
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** WebKitWebDriver takes a moment to listen and MiniBrowser to start: generous, the machine is shared. */
const DRIVER_START_MS = 20_000
const XVFB_START_MS = 10_000

/** $SWARMCDN_WEBKIT_DRIVER, else Debian's /usr/bin/WebKitWebDriver. */
export function webkitDriverPath () {
  const env = process.env.SWARMCDN_WEBKIT_DRIVER
  if (env) return env
  if (existsSync('/usr/bin/WebKitWebDriver')) return '/usr/bin/WebKitWebDriver'
  return undefined
}

/**
 * $SWARMCDN_WEBKIT_BROWSER, else the MiniBrowser Debian ships beside the
 * driver (the driver's own default; any WebKitGTK browser with --automation works).
 */
export function webkitBrowserPath () {
  const env = process.env.SWARMCDN_WEBKIT_BROWSER
  if (env) return env
  for (const p of ['/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser', '/usr/lib/aarch64-linux-gnu/webkit2gtk-4.1/MiniBrowser']) {
    if (existsSync(p)) return p
  }
  return undefined
}

/** Whether WebKitGTK can run here at all (driver and browser present). */
export function webkitAvailable () {
  return webkitDriverPath() !== undefined && webkitBrowserPath() !== undefined && (Boolean(process.env.DISPLAY) || existsSync('/usr/bin/Xvfb'))
}

function freePort () {
  return new Promise((resolve, reject) => {
    const s = createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const { port } = /** @type {import('node:net').AddressInfo} */ (s.address())
      s.close(() => resolve(port))
    })
  })
}

/** Starts Xvfb on a display it picks itself (-displayfd), so parallel runs never collide. */
async function startXvfb () {
  const xvfb = spawn('Xvfb', ['-displayfd', '3', '-screen', '0', '1280x800x24', '-nolisten', 'tcp'], { stdio: ['ignore', 'ignore', 'pipe', 'pipe'] })
  let stderr = ''
  xvfb.stderr.on('data', (d) => { stderr += d })
  const display = await new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`Xvfb did not start in ${XVFB_START_MS} ms: ${stderr}`)), XVFB_START_MS)
    let out = ''
    xvfb.stdio[3].on('data', (d) => {
      out += d
      if (out.includes('\n')) { clearTimeout(t); resolve(`:${out.trim()}`) }
    })
    xvfb.once('exit', (code) => { clearTimeout(t); reject(new Error(`Xvfb exited (${code}): ${stderr}`)) })
  })
  return { display, stop: () => stopChild(xvfb) }
}

function stopChild (child) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise((resolve) => {
    const t = setTimeout(() => child.kill('SIGKILL'), 3000)
    child.once('exit', () => { clearTimeout(t); resolve() })
    child.kill('SIGTERM')
  })
}

/** One WebDriver classic command; errors carry the driver's message. */
async function command (base, method, path, body) {
  const res = await fetch(base + path, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body)
  })
  const json = await res.json().catch(() => ({ value: { error: `HTTP ${res.status}`, message: 'no JSON' } }))
  if (!res.ok || (json.value && json.value.error)) {
    const v = json.value ?? {}
    throw new Error(`WebDriver ${method} ${path}: ${v.error ?? res.status}: ${v.message ?? ''}`)
  }
  return json.value
}

/**
 * A WebKitGTK browser under WebKitWebDriver: one WebDriver session, one
 * browser process, an ephemeral profile under a temp HOME that `close()`
 * removes along with the driver and (if it started one) Xvfb.
 *
 * `args` go to the browser (MiniBrowser takes WebKitSettings as flags, e.g.
 * `--enable-webrtc=true`).
 */
export async function launchWebKit ({ args = [] } = {}) {
  const driver = webkitDriverPath()
  const binary = webkitBrowserPath()
  if (!driver || !binary) throw new Error('WebKitWebDriver or MiniBrowser not installed (Debian: webkit2gtk-driver)')
  const home = await mkdtemp(join(tmpdir(), 'swarmcdn-webkit-'))
  let xvfb = null
  let child = null
  let base = ''
  let sessionId = null
  const close = async () => {
    if (sessionId) await command(base, 'DELETE', `/session/${sessionId}`).catch(() => {})
    sessionId = null
    if (child) await stopChild(child)
    if (xvfb) await xvfb.stop()
    await rm(home, { recursive: true, force: true })
  }
  try {
    let display = process.env.DISPLAY
    if (!display) { xvfb = await startXvfb(); display = xvfb.display }
    const port = await freePort()
    base = `http://127.0.0.1:${port}`
    // A private HOME and XDG folders: nothing of a run survives it, and
    // nothing of the user's own WebKit data leaks in.
    const env = {
      ...process.env,
      DISPLAY: display,
      HOME: home,
      XDG_CACHE_HOME: join(home, 'cache'),
      XDG_DATA_HOME: join(home, 'data'),
      XDG_CONFIG_HOME: join(home, 'config'),
      // No accessibility bus on a headless machine: without this GTK waits on it.
      NO_AT_BRIDGE: '1'
    }
    child = spawn(driver, [`--port=${port}`], { env, stdio: ['ignore', 'ignore', 'pipe'] })
    let stderr = ''
    child.stderr.on('data', (d) => { stderr = (stderr + d).slice(-4000) })
    const start = Date.now()
    for (;;) {
      const ready = await fetch(`${base}/status`).then((r) => r.ok, () => false)
      if (ready) break
      if (child.exitCode !== null) throw new Error(`WebKitWebDriver exited (${child.exitCode}): ${stderr}`)
      if (Date.now() - start > DRIVER_START_MS) throw new Error(`WebKitWebDriver not ready after ${DRIVER_START_MS} ms: ${stderr}`)
      await new Promise((r) => setTimeout(r, 100))
    }
    const created = await command(base, 'POST', '/session', {
      // With browserOptions the driver passes only the args given: the
      // browser needs --automation to accept the session (without it the
      // session request hangs).
      capabilities: { alwaysMatch: { 'webkitgtk:browserOptions': { binary, args: ['--automation', ...args] } } }
    })
    sessionId = created.sessionId
    const s = `/session/${sessionId}`
    // Scripts may wait on the swarm (peers, seeding): longer than the 30 s default.
    await command(base, 'POST', `${s}/timeouts`, { script: 60_000, pageLoad: 60_000 })
    return {
      capabilities: created.capabilities,
      goto: (url) => command(base, 'POST', `${s}/url`, { url }),
      url: () => command(base, 'GET', `${s}/url`),
      /** Runs `fn(arg)` (may be async) in the page; resolves to its JSON result. */
      run: async (fn, arg) => {
        const script = `const done = arguments[arguments.length - 1];
Promise.resolve().then(() => (${fn})(arguments[0])).then(
  (value) => done({ ok: true, value: value === undefined ? null : value }),
  (e) => done({ ok: false, error: String(e && e.stack || e) }))`
        const r = await command(base, 'POST', `${s}/execute/async`, { script, args: [arg ?? null] })
        if (!r.ok) throw new Error(`in WebKit page: ${r.error}`)
        return r.value
      },
      /** The driver's log of the browser, for failures. */
      driverLog: () => stderr,
      close
    }
  } catch (e) {
    await close()
    throw e
  }
}
