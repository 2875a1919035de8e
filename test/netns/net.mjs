// An emulated Internet from Linux network namespaces, for tests and benches
// that need what loopback hides: NAT, slow uplinks, networks that block UDP.
//
//   pub namespace: a bridge, "the Internet" (10.77.0.0/24); the origin, the
//                  tracker and coturn listen on its address 10.77.0.1
//   router N:      wan 10.77.0.(10+N) on the bridge, lan 10.77.(100+N).1;
//                  iptables MASQUERADE (cone) or MASQUERADE --random-fully
//                  (symmetric), optionally dropping forwarded UDP; tc tbf
//                  shapes lan egress (downlink) and wan egress (uplink)
//   home N:        eth0 10.77.(100+N).2, default route via its router; a
//                  visitor's Chromium runs here
//
// Every interface, route, iptables rule and qdisc lives inside namespaces this
// run creates, never in the machine's own, so deleting the namespaces removes
// all of it. Namespace names carry the owning process id: a later run deletes
// those whose owner is gone (a run killed with SIGKILL), and this one deletes
// its own in close() and on exit or SIGINT/SIGTERM.
import { execFile, execFileSync } from 'node:child_process'
import { promisify } from 'node:util'

const run = promisify(execFile)

export const NS_PREFIX = 'swarmcdn-'
export const PUBLIC_ADDRESS = '10.77.0.1'

/** Residential link of issue 13: 50 Mbit/s down, 10 Mbit/s up. */
export const RESIDENTIAL = { downMbit: 50, upMbit: 10 }

/**
 * tbf's bucket must hold at least one timer tick of traffic (rate / HZ; HZ can
 * be 100) or it cannot reach its rate; and its queue (`latency`) stands in for
 * a home router's buffer.
 */
function tbfArgs (mbit) {
  const burstBytes = Math.max(32 * 1024, Math.ceil(mbit * 1e6 / 8 / 100))
  return ['rate', `${mbit}mbit`, 'burst', String(burstBytes), 'latency', '100ms']
}

async function cmd (file, args) {
  try {
    return (await run(file, args, { encoding: 'utf8' })).stdout
  } catch (err) {
    const e = /** @type {{ stderr?: string, message: string }} */ (err)
    throw new Error(`${file} ${args.join(' ')}: ${(e.stderr ?? '').trim() || e.message}`)
  }
}

const ip = (...args) => cmd('ip', args)
const inNs = (ns, file, ...args) => cmd('ip', ['netns', 'exec', ns, file, ...args])

/**
 * Why this machine cannot build the emulated Internet, or null if it can:
 * namespaces, veth pairs, iptables NAT and tc need root and these tools. The
 * probe builds and deletes one namespace, so a container that forbids it is
 * told apart from one that allows it.
 */
export async function netnsUnavailable () {
  if (process.platform !== 'linux') return 'network namespaces need Linux'
  if (typeof process.getuid === 'function' && process.getuid() !== 0) return 'network namespaces, NAT and tc need root'
  for (const tool of ['ip', 'iptables', 'tc']) {
    try { await cmd('sh', ['-c', `command -v ${tool}`]) } catch { return `${tool} is not installed (Debian: iproute2, iptables)` }
  }
  const probe = `${NS_PREFIX}${process.pid}-probe`
  try {
    await ip('netns', 'add', probe)
    await inNs(probe, 'iptables', '-t', 'nat', '-L', '-n')
    await inNs(probe, 'tc', 'qdisc', 'show')
  } catch (err) {
    return `cannot create a network namespace with NAT here: ${err instanceof Error ? err.message : String(err)}`
  } finally {
    await ip('netns', 'del', probe).catch(() => {})
  }
  return null
}

function listNamespaces () {
  try {
    return execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' }).split('\n').map((l) => l.split(' ')[0]).filter(Boolean)
  } catch {
    return []
  }
}

function alive (pid) {
  try { process.kill(pid, 0); return true } catch (err) { return /** @type {NodeJS.ErrnoException} */ (err).code === 'EPERM' }
}

/** Kills every process inside `ns`, then deletes it (its veths, rules and qdiscs go with it). Synchronous: runs in exit handlers. */
function destroyNamespace (ns) {
  try {
    const pids = execFileSync('ip', ['netns', 'pids', ns], { encoding: 'utf8' }).split('\n').filter(Boolean)
    for (const pid of pids) { try { process.kill(Number(pid), 'SIGKILL') } catch { /* gone */ } }
  } catch { /* no such namespace */ }
  // A namespace whose last process is still exiting cannot always be deleted at once.
  for (let i = 0; i < 20; i++) {
    try { execFileSync('ip', ['netns', 'del', ns], { stdio: 'ignore' }); return } catch { /* retry */ }
    if (!listNamespaces().includes(ns)) return
    execFileSync('sleep', ['0.05'])
  }
}

/** Deletes namespaces left by runs whose process is gone (killed before they could clean up). */
export function sweepStale () {
  for (const ns of listNamespaces()) {
    const m = new RegExp(`^${NS_PREFIX}(\\d+)-`).exec(ns)
    if (m && !alive(Number(m[1]))) destroyNamespace(ns)
  }
}

/** Namespaces of this process still standing, deleted on exit whatever happens. */
const owned = new Set()
let handlersInstalled = false
function installExitHandlers () {
  if (handlersInstalled) return
  handlersInstalled = true
  const destroyAll = () => { for (const ns of owned) destroyNamespace(ns); owned.clear() }
  process.on('exit', destroyAll)
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.once(sig, () => { destroyAll(); process.kill(process.pid, sig) })
  }
}

let runCounter = 0

/**
 * Builds the public bridge. `homes` are added with addHome(). Call close()
 * (idempotent) when done; it also runs on process exit.
 */
export async function createInternet () {
  sweepStale()
  installExitHandlers()
  const prefix = `${NS_PREFIX}${process.pid}-${runCounter++}-`
  const mine = []
  const addNs = async (role) => {
    const ns = prefix + role
    owned.add(ns)
    mine.push(ns)
    await ip('netns', 'add', ns)
    await ip('-n', ns, 'link', 'set', 'lo', 'up')
    return ns
  }

  const pub = await addNs('pub')
  await ip('-n', pub, 'link', 'add', 'br0', 'type', 'bridge')
  await ip('-n', pub, 'addr', 'add', `${PUBLIC_ADDRESS}/24`, 'dev', 'br0')
  await ip('-n', pub, 'link', 'set', 'br0', 'up')
  // Like the Internet, the public network silently drops what it cannot
  // route (a peer's private host address). With no route at all, sendto()
  // fails with ENETUNREACH, and coturn closes the allocation that tried:
  // every TURN-over-TCP session died on its first check to a host candidate.
  // A veth pair leading nowhere stands in for a dummy device (no module for one in containers).
  await ip('-n', pub, 'link', 'add', 'void', 'type', 'veth', 'peer', 'name', 'void-end')
  await ip('-n', pub, 'link', 'set', 'void', 'up')
  await ip('-n', pub, 'link', 'set', 'void-end', 'up')
  await ip('-n', pub, 'route', 'add', 'default', 'dev', 'void')

  let homes = 0
  /**
   * A home network behind its own NAT router.
   * nat: 'cone' (MASQUERADE keeps ports: endpoint-independent mapping) or
   * 'symmetric' (--random-fully: a new port per destination).
   * blockUdp: the router drops forwarded UDP (corporate or hotel networks).
   */
  async function addHome ({ nat = 'cone', downMbit = RESIDENTIAL.downMbit, upMbit = RESIDENTIAL.upMbit, blockUdp = false } = {}) {
    const n = ++homes
    const wanAddress = `10.77.0.${10 + n}`
    const router = await addNs(`r${n}`)
    const home = await addNs(`h${n}`)
    // Both ends are created inside namespaces: nothing appears in the machine's own.
    await ip('link', 'add', `p${n}`, 'netns', pub, 'type', 'veth', 'peer', 'name', 'wan', 'netns', router)
    await ip('-n', pub, 'link', 'set', `p${n}`, 'master', 'br0', 'up')
    await ip('link', 'add', 'lan', 'netns', router, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', home)
    await ip('-n', router, 'addr', 'add', `${wanAddress}/24`, 'dev', 'wan')
    await ip('-n', router, 'addr', 'add', `10.77.${100 + n}.1/24`, 'dev', 'lan')
    await ip('-n', router, 'link', 'set', 'wan', 'up')
    await ip('-n', router, 'link', 'set', 'lan', 'up')
    await ip('-n', home, 'addr', 'add', `10.77.${100 + n}.2/24`, 'dev', 'eth0')
    await ip('-n', home, 'link', 'set', 'eth0', 'up')
    await ip('-n', home, 'route', 'add', 'default', 'via', `10.77.${100 + n}.1`)
    await ip('-n', router, 'route', 'add', 'default', 'via', PUBLIC_ADDRESS)
    // /proc rather than sysctl(8): procps is not on every minimal system.
    await inNs(router, 'sh', '-c', 'echo 1 > /proc/sys/net/ipv4/ip_forward')
    await inNs(router, 'iptables', '-t', 'nat', '-A', 'POSTROUTING', '-o', 'wan', '-j', 'MASQUERADE', ...(nat === 'symmetric' ? ['--random-fully'] : []))
    // A home router's firewall: unsolicited packets from outside are dropped.
    // Without it, a peer's first check that arrives before this side's own
    // leaves a conntrack entry for the router itself on the mapped port, and
    // MASQUERADE then gives this side's outgoing check another port: hole
    // punching fails even through a cone NAT. A dropped packet's conntrack
    // entry is never confirmed, so nothing is left behind.
    await inNs(router, 'iptables', '-A', 'INPUT', '-i', 'wan', '-m', 'conntrack', '--ctstate', 'NEW,INVALID', '-j', 'DROP')
    await inNs(router, 'iptables', '-A', 'FORWARD', '-i', 'wan', '-m', 'conntrack', '--ctstate', 'NEW,INVALID', '-j', 'DROP')
    if (blockUdp) await inNs(router, 'iptables', '-A', 'FORWARD', '-p', 'udp', '-j', 'DROP')
    if (downMbit) await inNs(router, 'tc', 'qdisc', 'add', 'dev', 'lan', 'root', 'tbf', ...tbfArgs(downMbit))
    if (upMbit) await inNs(router, 'tc', 'qdisc', 'add', 'dev', 'wan', 'root', 'tbf', ...tbfArgs(upMbit))
    return { ns: home, router, address: `10.77.${100 + n}.2`, publicAddress: wanAddress, nat, blockUdp, downMbit, upMbit }
  }

  let closed = false
  return {
    pub,
    publicAddress: PUBLIC_ADDRESS,
    prefix,
    addHome,
    /** Runs a command inside `ns`; resolves its stdout. */
    exec: (ns, file, ...args) => inNs(ns, file, ...args),
    close: async () => {
      if (closed) return
      closed = true
      for (const ns of mine.reverse()) { destroyNamespace(ns); owned.delete(ns) }
    }
  }
}
