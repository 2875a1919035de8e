// Tracker cluster capacity (DESIGN §4): N `swarmcdn tracker --redis`
// processes sharing swarms through one redis-server on this machine, loaded
// with simulated WebTorrent peers by several load-generator processes (one
// process's open-files limit caps the sockets it holds). Reports concurrent
// peers, memory in all (trackers + Redis) and per peer, announces/s, the
// offers relayed across processes, and the load generator's own cost.
import { fork, spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { loadavg } from 'node:os'
import { createServer } from 'node:net'
import { fileURLToPath } from 'node:url'
import { CLI, cpuSeconds, rssBytes, sleep } from './lib.js'

/** wt-tracker's published figure, the goal: 100k peers in 1.2 GB. */
export const GOAL_PEERS = 100_000
export const GOAL_BYTES = 1.2e9
/** Connections a tracker process takes: under the 20,000 open files (`ulimit -n`, hard limit here) a process may have. */
const PER_TRACKER = 19_500
/** Peers held per load-generator process, under the same limit. */
const PER_GENERATOR = 17_000
/** Connections a generator opens at once. */
const CONNECT_BATCH = 250
/** Scheduling priority of the load generators (nice(1) increment). */
const GENERATOR_NICE = 10
/** Length of the steady announce phase. */
const STEADY_MS = 6000
/**
 * V8's young generation grows to 16 MiB semi-spaces by default, which a
 * tracker (short-lived JSON messages) fills and keeps resident; 1 MiB trades
 * a few more scavenges for ~30 MiB less RSS per process. Measured both ways.
 */
const TRACKER_NODE_FLAGS = ['--max-semi-space-size=1']

const LOAD = fileURLToPath(new URL('./tracker-load.js', import.meta.url))

function freePort () {
  return new Promise((resolve, reject) => {
    const s = createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)) })
  })
}

function startProcess (cmd, args, ready, what) {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    const timer = setTimeout(() => { p.kill('SIGKILL'); reject(new Error(`${what} did not start: ${out}`)) }, 15_000)
    const onData = (d) => {
      out += d
      const m = ready.exec(out)
      if (m) { clearTimeout(timer); resolve({ proc: p, match: m }) }
    }
    p.stdout.on('data', onData)
    p.stderr.on('data', (d) => { out += d })
    p.on('exit', (code) => { clearTimeout(timer); reject(new Error(`${what} exited ${code}: ${out}`)) })
  })
}

function stop (p) {
  if (p.exitCode !== null || p.signalCode !== null) return Promise.resolve()
  return new Promise((resolve) => {
    const t = setTimeout(() => { p.kill('SIGKILL') }, 5000)
    p.once('exit', () => { clearTimeout(t); resolve() })
    p.kill('SIGTERM')
  })
}

async function startRedis () {
  const port = await freePort()
  const { proc } = await startProcess('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], /Ready to accept connections/, 'redis-server')
  return { proc, url: `redis://127.0.0.1:${port}` }
}

async function startTracker (redisUrl, nodeFlags) {
  const args = [...nodeFlags, CLI, 'tracker', '--port', '0', '--max-connections', String(PER_TRACKER)]
  if (redisUrl !== null) args.push('--redis', redisUrl)
  const { proc, match } = await startProcess(process.execPath, args, /swarmcdn: tracker at (ws:\/\/\S+)[\s\S]*stats +(\S+)/, 'swarmcdn tracker')
  return { proc, url: match[1], stats: async () => (await fetch(match[2])).json() }
}

/** A load generator over IPC: request(cmd) → its reply. */
function startGenerator () {
  // Niced: on a shared machine the generators, not the trackers measured,
  // give way to other work.
  const proc = fork(LOAD, [], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'], execPath: 'nice', execArgv: ['-n', String(GENERATOR_NICE), process.execPath] })
  let seq = 0
  const pending = new Map()
  proc.on('message', (m) => { pending.get(m.id)?.(m); pending.delete(m.id) })
  return {
    proc,
    request: (cmd) => new Promise((resolve, reject) => {
      const id = ++seq
      pending.set(id, (m) => { m.error ? reject(new Error(m.error)) : resolve(m) })
      proc.send({ ...cmd, id })
    }),
    close: () => { try { proc.send({ cmd: 'close' }) } catch {} return stop(proc) }
  }
}

const sum = (xs) => xs.reduce((a, b) => a + b, 0)

/**
 * Proportional set size: a process's private memory plus its share of pages
 * shared with others. Of an idle tracker's ~72 MiB RSS, ~42 MiB is the node
 * binary's file pages, shared by every node process; summing RSS over N
 * processes counts those N times, summing PSS counts them once.
 */
function pssBytes (pid) {
  try {
    const m = /^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'))
    return m ? Number(m[1]) * 1024 : NaN
  } catch { return NaN }
}

/**
 * `processes` trackers (with Redis when > 1, or when `redis` is forced),
 * ramped through `steps` total peers; stops at the first step that fails to
 * hold its peers.
 */
export async function trackerClusterCapacity ({ processes = 6, steps = [25_000, 50_000, 75_000, 100_000], redis: withRedis = processes > 1, nodeFlags = TRACKER_NODE_FLAGS, steady: withSteady = true } = {}) {
  const redis = withRedis ? await startRedis() : null
  const trackers = []
  const generators = []
  try {
    for (let i = 0; i < processes; i++) trackers.push(await startTracker(redis?.url ?? null, nodeFlags))
    const urls = trackers.map((t) => t.url)
    const top = steps[steps.length - 1]
    for (let i = 0; i < Math.ceil(top / PER_GENERATOR); i++) generators.push(startGenerator())
    await sleep(500)
    const memory = () => {
      const trackerRss = sum(trackers.map((t) => rssBytes(t.proc.pid)))
      const trackerPss = sum(trackers.map((t) => pssBytes(t.proc.pid)))
      const redisRss = redis ? rssBytes(redis.proc.pid) : 0
      const redisPss = redis ? pssBytes(redis.proc.pid) : 0
      return {
        trackerRss,
        trackerPss,
        redisRss,
        redisPss,
        totalRss: trackerRss + redisRss,
        totalPss: trackerPss + redisPss,
        generatorRss: sum(generators.map((g) => rssBytes(g.proc.pid))),
        generatorPss: sum(generators.map((g) => pssBytes(g.proc.pid)))
      }
    }
    const idle = memory()
    const cpu = () => ({
      trackers: sum(trackers.map((t) => cpuSeconds(t.proc.pid))),
      redis: redis ? cpuSeconds(redis.proc.pid) : 0,
      generators: sum(generators.map((g) => cpuSeconds(g.proc.pid)))
    })
    const allStats = async () => Promise.all(trackers.map((t) => t.stats()))
    const rows = []
    let opened = 0
    let stoppedBy = null
    for (const target of steps) {
      const t0 = Date.now()
      const cpu0 = cpu()
      // Peer n lives in generator floor(n / PER_GENERATOR) and announces to
      // tracker n mod processes: a swarm's peers spread over every process,
      // as behind a round-robin load balancer.
      const jobs = []
      for (let g = 0; g < generators.length; g++) {
        const lo = Math.max(opened, g * PER_GENERATOR)
        const hi = Math.min(target, (g + 1) * PER_GENERATOR)
        if (hi > lo) jobs.push(generators[g].request({ cmd: 'open', urls, from: lo, count: hi - lo, batch: CONNECT_BATCH }))
      }
      const replies = await Promise.all(jobs)
      opened = target
      const failed = sum(replies.map((r) => r.failed))
      await sleep(1000)
      const stats = await allStats()
      const cpu1 = cpu()
      const m = memory()
      const peers = sum(stats.map((s) => s.peers))
      rows.push({
        target,
        peers,
        failed,
        // Connections the trackers dropped for a missed heartbeat (pong), and
        // the machine's load while joining: a starved generator or tracker
        // misses pongs.
        noPong: sum(stats.map((s) => s.rejected?.no_pong ?? 0)),
        loadAvg: loadavg()[0],
        joinMs: Date.now() - t0,
        ...m,
        bytesPerPeer: (m.totalPss - idle.totalPss) / peers,
        bytesPerPeerAll: m.totalPss / peers,
        generatorBytesPerPeer: (m.generatorPss - idle.generatorPss) / peers,
        joinCpuS: { trackers: cpu1.trackers - cpu0.trackers, redis: cpu1.redis - cpu0.redis, generators: cpu1.generators - cpu0.generators },
        offersAcross: sum(stats.map((s) => s.cluster?.offersSent ?? 0)),
        answersAcross: sum(stats.map((s) => s.cluster?.answersSent ?? 0))
      })
      if (failed > 0 || peers < target * 0.99) { stoppedBy = `${failed} connections failed, ${peers} of ${target} peers held, ${rows[rows.length - 1].noPong} dropped for a missed pong (load average ${loadavg()[0].toFixed(1)})`; break }
      if (m.totalPss > GOAL_BYTES) { stoppedBy = `memory ${Math.round(m.totalPss / 2 ** 20)} MiB past the goal`; break }
    }
    // Steady phase: every peer re-announces (2 offers) as soon as answered.
    if (!withSteady) return { processes, redis: redis !== null, nodeFlags, idle, steps: rows, stoppedBy, steady: null }
    const before = await allStats()
    const cpu0 = cpu()
    const t0 = Date.now()
    const steadyReplies = await Promise.all(generators.map((g) => g.request({ cmd: 'steady', ms: STEADY_MS })))
    const after = await allStats()
    const cpu1 = cpu()
    // Up to here: busy trackers answer /stats late, and what they do until
    // then is counted on both sides of the ratios.
    const wallS = (Date.now() - t0) / 1000
    const announces = sum(after.map((s) => s.announces)) - sum(before.map((s) => s.announces))
    return {
      processes,
      redis: redis !== null,
      nodeFlags,
      idle,
      steps: rows,
      stoppedBy,
      steady: {
        peers: sum(after.map((s) => s.peers)),
        announcesPerSec: announces / wallS,
        generatorAnnouncesPerSec: sum(steadyReplies.map((r) => r.announces)) / wallS,
        offersAcrossPerSec: (sum(after.map((s) => s.cluster?.offersSent ?? 0)) - sum(before.map((s) => s.cluster?.offersSent ?? 0))) / wallS,
        cpuShare: { trackers: (cpu1.trackers - cpu0.trackers) / wallS, redis: (cpu1.redis - cpu0.redis) / wallS, generators: (cpu1.generators - cpu0.generators) / wallS },
        ...memory()
      }
    }
  } finally {
    await Promise.all(generators.map((g) => g.close()))
    await Promise.all(trackers.map((t) => stop(t.proc)))
    if (redis) await stop(redis.proc)
  }
}

// `node bench/tracker-cluster.js [processes] [steps,...] [--node-flags=...] [--no-steady]`: this figure alone.
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const processes = Number(process.argv[2] ?? 6)
  const steps = process.argv[3] ? process.argv[3].split(',').map(Number) : undefined
  const flagArg = process.argv.find((a) => a.startsWith('--node-flags='))
  const nodeFlags = flagArg !== undefined ? flagArg.slice('--node-flags='.length).split(' ').filter(Boolean) : undefined
  const steady = !process.argv.includes('--no-steady')
  const r = await trackerClusterCapacity({ processes, steady, ...(steps ? { steps } : {}), ...(nodeFlags ? { nodeFlags } : {}) })
  console.log(JSON.stringify(r, null, 2))
}
