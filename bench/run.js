// `npm run bench`: every DESIGN §4 figure, each a ratio measured side by side in
// this one run. Prints one table and writes bench/out/results.json. Each figure
// runs in its own try/catch with its own time bound, so one failure loses only
// that figure.
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { mkdir, writeFile } from 'node:fs/promises'
import { cpus, totalmem } from 'node:os'
import { join } from 'node:path'
import { chromiumPath, ROOT, withTimeout } from './lib.js'
import { dispatchFloor } from './dispatch-floor.js'
import { download } from './download.js'
import { firstPeer } from './first-peer.js'
import { memory } from './memory.js'
import { multipage } from './multipage.js'
import { offload } from './offload.js'
import { farOrigin, noPeerOverhead, noPeerOverheadFar } from './pageload.js'
import { publishSpeed } from './publish.js'
import { redeploy } from './redeploy.js'
import { sizes } from './sizes.js'
import { throughput } from './throughput.js'
import { trackerCapacity } from './tracker.js'
import { trackerClusterCapacity } from './tracker-cluster.js'
import { netns } from './netns.js'
import { video } from './video.js'

const OFFLOAD_NS = [2, 4, 8]
/** Per-figure time bounds; together well under the 15-minute budget. */
const LIMIT_MS = { netns: 240_000, offload: 240_000, multipage: 150_000, overhead: 150_000, dispatchFloor: 420_000, overheadFar: 150_000, farOrigin: 150_000, throughput: 120_000, firstPeer: 90_000, download: 90_000, sizes: 10_000, publish: 120_000, tracker: 90_000, trackerCluster1: 240_000, trackerClusterN: 600_000, video: 420_000 }
/** 200 MiB fetched and held, a reload, twice the figure with a base tree (SWARMCDN_BENCH_BASE). */
LIMIT_MS.memory = 900_000
LIMIT_MS.redeploy = 120_000

function environment () {
  const pkg = (name) => JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')).version
  let chromium = 'unknown'
  try { chromium = execFileSync(chromiumPath() ?? 'chromium', ['--version'], { encoding: 'utf8' }).trim() } catch { /* reported as unknown */ }
  let cpuModel = cpus()[0]?.model ?? 'unknown'
  try { cpuModel = /model name\s*:\s*(.*)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? cpuModel } catch { /* not Linux */ }
  return {
    node: process.version,
    chromium,
    webtorrent: pkg('webtorrent'),
    playwrightCore: pkg('playwright-core'),
    cpus: cpus().length,
    cpuModel,
    memoryGiB: Math.round(totalmem() / 2 ** 30 * 10) / 10,
    date: new Date().toISOString()
  }
}

// `node bench/run.js --table` prints the table of the last run again (from
// bench/out/results.json) without measuring anything.
const reprint = process.argv.includes('--table')
const results = reprint
  ? JSON.parse(readFileSync(join(ROOT, 'bench', 'out', 'results.json'), 'utf8'))
  : { environment: environment(), figures: {}, errors: {} }

async function figure (name, fn) {
  const t0 = Date.now()
  process.stderr.write(`bench: ${name}...\n`)
  try {
    results.figures[name] = await withTimeout(Promise.resolve().then(fn), LIMIT_MS[name], name)
  } catch (err) {
    results.errors[name] = err instanceof Error ? err.message : String(err)
    process.stderr.write(`bench: ${name} failed: ${results.errors[name]}\n`)
  }
  process.stderr.write(`bench: ${name} took ${((Date.now() - t0) / 1000).toFixed(1)} s\n`)
}

if (!reprint) {
  const started = Date.now()
  await figure('sizes', sizes)
  await figure('offload', () => offload(OFFLOAD_NS))
  await figure('multipage', multipage)
  await figure('redeploy', redeploy)
  await figure('overhead', () => noPeerOverhead(7))
  await figure('dispatchFloor', () => dispatchFloor(5))
  await figure('overheadFar', () => noPeerOverheadFar(5))
  await figure('farOrigin', () => farOrigin(5))
  await figure('throughput', throughput)
  await figure('download', () => download(5))
  // SWARMCDN_BENCH_BASE=/path/to/other/tree (built) measures it side by side.
  await figure('memory', () => memory(process.env.SWARMCDN_BENCH_BASE ?? null))
  await figure('firstPeer', firstPeer)
  await figure('netns', netns)
  await figure('publish', publishSpeed)
  await figure('tracker', trackerCapacity)
  // One process up to its open-files limit, then the cluster: 6 processes on Redis (bench/tracker-cluster.js).
  await figure('trackerCluster1', () => trackerClusterCapacity({ processes: 1, steps: [5_000, 10_000, 19_000] }))
  await figure('trackerClusterN', () => trackerClusterCapacity({ processes: 6, steps: [25_000, 50_000, 75_000, 100_000] }))
  await figure('video', video)
  results.totalSeconds = Math.round((Date.now() - started) / 1000)
}

// ── the table ───────────────────────────────────────────────────────────────
const f = results.figures
const rows = []
const fmt = (x, d = 2) => (typeof x === 'number' && Number.isFinite(x) ? x.toFixed(d) : '—')
const ms = (x) => (typeof x === 'number' ? `${Math.round(x)} ms` : '—')
const kb = (x) => `${(x / 1000).toFixed(1)} KB`
const verdict = (ok) => (ok === undefined ? '' : ok ? 'met' : 'MISSED')
const row = (figureName, measured, baseline, ratio, goal, ok) => rows.push([figureName, measured, baseline, ratio, goal, verdict(ok)])
const failed = (name, label) => { if (results.errors[name]) row(label, `failed: ${results.errors[name].slice(0, 60)}`, '', '', '', false) }

for (const r of f.offload?.rows ?? []) {
  row(`offload, N=${r.n}`, `${fmt(r.offload, 3)} offload`, `ceiling ${fmt(r.ceiling, 3)}`, fmt(r.ratioToCeiling, 3), '≥ 0.95 × ceiling', r.ratioToCeiling >= 0.95)
}
failed('offload', 'offload')
if (f.multipage) {
  const m = f.multipage
  const e = m.page1EngineLaterVisitors
  row(`multi-page browse with churn, N=${m.n}`, `${fmt(m.offload, 3)} offload`, `ceiling ${fmt(m.ceiling, 3)}`, fmt(m.ratioToCeiling, 3), '≥ 0.9 × ceiling', m.ratioToCeiling >= 0.9)
  row('multi-page: page-1 engine, first peer', ms(e.firstPeerMsMedian), `engine start ${ms(e.startedMsMedian)}`, `${e.withPeer} of ${e.of}`, 'report', undefined)
  row('multi-page: page-1 prefetch finished', ms(e.prefetchFinishedMsMedian), `first peer ${ms(e.firstPeerMsMedian)}`, `${e.prefetchFinished} of ${e.of}`, 'report', undefined)
}
failed('multipage', 'multi-page browse')
if (f.redeploy) {
  const r = f.redeploy
  row('redeploy v1 → v2 (1 of 10 assets changed): new v2 visitor, unchanged bytes from peers', `${fmt(r.share, 3)}`, `${r.returning} returning v1 visitors reloaded`, fmt(r.share, 3), '≥ 0.9', r.share >= 0.9)
  row('redeploy: returning leader seeds v2 after its reload', ms(r.followMsMedian), `origin asset bytes ${r.reloadAssetBytes}`, '', 'report', undefined)
}
failed('redeploy', 'redeploy')
/** The four no-peer rows: load ratio and added per-asset p95, other tab and same-tab navigation. */
function overheadRows (o, label) {
  const v = o.variants
  const added = (x) => `${x >= 0 ? '+' : ''}${fmt(x, 1)} ms`
  row(`${label}: load, leader in another tab`, ms(v['swarm-tab'].loadMsMedian), ms(v['plain-tab'].loadMsMedian), fmt(o.loadRatioTab), '≤ 1.05', o.loadRatioTab <= 1.05)
  row(`${label}: load, same-tab navigation`, ms(v['swarm-nav'].loadMsMedian), ms(v.plain.loadMsMedian), fmt(o.loadRatioNav), '≤ 1.05', o.loadRatioNav <= 1.05)
  row(`${label}: added per-asset p95, other tab`, ms(v['swarm-tab'].assetMsP95), ms(v['plain-tab'].assetMsP95), added(o.addedAssetP95MsTab), '≤ +10 ms', o.addedAssetP95MsTab <= 10)
  row(`${label}: added per-asset p95, navigation`, ms(v['swarm-nav'].assetMsP95), ms(v.plain.assetMsP95), added(o.addedAssetP95MsNav), '≤ +10 ms', o.addedAssetP95MsNav <= 10)
}
if (f.overhead) overheadRows(f.overhead, 'no peers')
failed('overhead', 'no-peer overhead')
if (f.dispatchFloor) {
  // What any service worker in the page's path costs (bench/dispatch-floor.js): the floor under the rows above.
  const v = f.dispatchFloor.variants
  for (const how of ['tab', 'nav']) {
    const label = how === 'tab' ? 'another tab' : 'navigation'
    row(`floor, ${label}: a listener that never answers ÷ no worker`, ms(v[`no-answer/${how}`].loadMsMedian), ms(v[`plain/${how}`].loadMsMedian), fmt(v[`no-answer/${how}`].ratio), 'report', undefined)
    row(`floor, ${label}: respondWith(fetch()) ÷ no worker`, ms(v[`passthrough/${how}`].loadMsMedian), ms(v[`plain/${how}`].loadMsMedian), fmt(v[`passthrough/${how}`].ratio), 'report', undefined)
    row(`floor, ${label}: swarmcdn, no peer ÷ no worker`, ms(v[`swarmcdn/${how}`].loadMsMedian), ms(v[`plain/${how}`].loadMsMedian), fmt(v[`swarmcdn/${how}`].ratio), '≤ 1.05', v[`swarmcdn/${how}`].ratio <= 1.05)
  }
}
failed('dispatchFloor', 'service worker floor')
if (f.overheadFar) overheadRows(f.overheadFar, 'no peers, far origin')
failed('overheadFar', 'no-peer overhead, far origin')
if (f.farOrigin) {
  const v = f.farOrigin.variants
  row('far origin: load, leader in another tab', ms(v['swarm-tab'].loadMsMedian), ms(v['plain-tab'].loadMsMedian), fmt(f.farOrigin.loadRatioTab, 3), '< 1', f.farOrigin.loadRatioTab < 1)
  row('far origin: load, same-tab navigation', ms(v['swarm-nav'].loadMsMedian), ms(v.plain.loadMsMedian), fmt(f.farOrigin.loadRatioNav, 3), '< 1', f.farOrigin.loadRatioNav < 1)
}
failed('farOrigin', 'far origin')
if (f.throughput) {
  const t = f.throughput
  row('peer throughput (32 MiB asset)', `${fmt(t.peerMBpsBest, 1)} MB/s`, `raw ${fmt(t.rawMBpsBest, 1)} MB/s`, fmt(t.ratio), '≥ 0.8', t.ratio >= 0.8)
  if (t.cpuSecondsPeer && t.cpuSecondsRaw) {
    row('throughput: browser CPU per 32 MiB', `${fmt(t.cpuSecondsPeer.total)} CPU-s`, `raw ${fmt(t.cpuSecondsRaw.total)} CPU-s`, fmt(t.cpuSecondsPeer.total / t.cpuSecondsRaw.total), 'report', undefined)
  }
}
failed('throughput', 'throughput')
if (f.memory) {
  const MiB = (x) => `${fmt(x, 1)} MiB`
  const sec = (x) => `${fmt(x / 1000)} s`
  const m = f.memory.current
  const b = f.memory.base
  row(`leader JS memory holding ${m.heldMiB} MiB`, MiB(m.jsMemoryMiB), b ? `before ${MiB(b.jsMemoryMiB)}` : '', b ? fmt(m.jsMemoryMiB / b.jsMemoryMiB) : '', '≤ 64 MiB', m.jsMemoryMiB <= 64)
  for (const [held, t] of Object.entries(m.reseedMs)) {
    row(`seeding again after a reload, holding ${held}`, sec(t), b ? `before ${sec(b.reseedMs[held])}` : '', b ? fmt(t / b.reseedMs[held]) : '', '≤ 2 s, flat', t <= 2000)
  }
}
failed('memory', 'memory')
if (f.download) {
  const d = f.download
  row('16 MiB download, no peer, origin 30 ms away: with ÷ without', ms(d.withMedian), `without ${ms(d.withoutMedian)}`, fmt(d.ratio), '≤ 1.05', d.ratio <= 1.05)
}
failed('download', '16 MiB download, no peer')
if (f.firstPeer) {
  row('first peer byte, first visit', ms(f.firstPeer.firstVisit.firstPeerByteMsMedian), `wire ${ms(f.firstPeer.firstVisit.firstWireMsMedian)}`, '', 'report', undefined)
  row('first peer byte, repeat visit', ms(f.firstPeer.repeatVisit.firstPeerByteMsMedian), `wire ${ms(f.firstPeer.repeatVisit.firstWireMsMedian)}`, '', 'report', undefined)
}
failed('firstPeer', 'first peer byte')
if (f.netns?.skipped) row('emulated networks (NAT, 50/10 Mbit/s)', `skipped: ${f.netns.skipped.slice(0, 60)}`, '', '', '', undefined)
else if (f.netns) {
  const r = f.netns.residential
  const u = f.netns.udpBlockedTurnTcp
  row('residential seeder (10 Mbit/s up): load ÷ origin-only', ms(r.withPeerMsMedian), `origin-only ${ms(r.originOnlyMsMedian)}`, fmt(r.loadRatio), '≤ 1.05', r.loadRatio <= 1.05)
  row('residential seeder: share of bytes from the peer', fmt(r.peerShareMedian), '', '', '> 0', r.peerShareMedian > 0)
  row('first peer, UDP blocked + TURN/TCP', u.firstPeerMsMedian === null ? `none in 15 s (${u.firstPeerMs.join(', ')})` : ms(u.firstPeerMsMedian), `engine start ${ms(u.engineStartMsMedian)}`, '', '≤ 1.5 s', u.firstPeerMsMedian !== null && u.firstPeerMsMedian <= 1500)
}
failed('netns', 'emulated networks')
if (f.sizes) {
  const s = f.sizes
  row('swarmcdn.js gzipped', kb(s['swarmcdn.js'].gzip), kb(s['swarmcdn.js'].bytes), '', '≤ 6 KB', s['swarmcdn.js'].gzip <= 6000)
  row('swarmcdn-engine.js gzipped (lazy)', kb(s['swarmcdn-engine.js'].gzip), kb(s['swarmcdn-engine.js'].bytes), '', 'report', undefined)
  row('swarmcdn-sw.js gzipped', kb(s['swarmcdn-sw.js'].gzip), kb(s['swarmcdn-sw.js'].bytes), '', 'report', undefined)
}
failed('sizes', 'sizes')
if (f.publish) {
  const p = f.publish
  row(`publish hashing (${(p.bytes / 1e6).toFixed(0)} MB, ${p.files} files)`, `${fmt(p.publishMBps, 0)} MB/s`, `sha256sum ${fmt(p.sha256sumMBps, 0)} MB/s`, fmt(p.ratio), '≥ 0.8', p.ratio >= 0.8)
}
failed('publish', 'publish')
if (f.tracker) {
  const t = f.tracker
  const top = t.steps[t.steps.length - 1]
  row('tracker: concurrent peers held', `${top.peers} peers`, `RSS ${(top.rssBytes / 2 ** 20).toFixed(0)} MiB`, `idle ${(t.idleRssBytes / 2 ** 20).toFixed(0)} MiB`, 'report', undefined)
  row(`tracker: announces/s (${t.offersPerAnnounce ?? '?'} offers each)`, `${fmt(t.steady.announcesPerSec, 0)}/s`, `tracker CPU ${fmt(t.steady.trackerCpuShare * 100, 0)} %`, `${fmt(t.steady.announcesPerSec / t.steady.trackerCpuShare, 0)}/CPU-s`, 'report', undefined)
}
failed('tracker', 'tracker')
for (const name of ['trackerCluster1', 'trackerClusterN']) {
  const c = f[name]
  if (!c) continue
  const top = c.steps[c.steps.length - 1]
  const mib = (x) => `${(x / 2 ** 20).toFixed(0)} MiB`
  const label = `tracker ${c.processes === 1 ? '1 process' : `cluster, ${c.processes} processes + Redis`}`
  row(`${label}: peers held`, `${top.peers} peers`, `PSS ${mib(top.totalPss)} (RSS ${mib(top.totalRss)})`, `${fmt(top.bytesPerPeerAll / 1024, 1)} KiB/peer`, '≥ 100k in ≤ 1.2 GB', top.peers >= 100_000 && top.totalPss <= 1.2e9)
  row(`${label}: announces/s, all peers`, `${fmt(c.steady.announcesPerSec, 0)}/s`, `CPU trackers ${fmt(c.steady.cpuShare.trackers * 100, 0)} %, Redis ${fmt(c.steady.cpuShare.redis * 100, 0)} %`, `PSS after ${mib(c.steady.totalPss)}`, 'report', undefined)
  row(`${label}: load generator's own cost`, `PSS ${mib(top.generatorPss)}`, `CPU ${fmt(c.steady.cpuShare.generators * 100, 0)} % (steady)`, `${fmt(top.generatorBytesPerPeer / 1024, 1)} KiB/peer`, 'report', undefined)
  if (c.stoppedBy) row(`${label}: stopped`, c.stoppedBy, '', '', '', undefined)
}
failed('trackerCluster1', 'tracker 1 process')
failed('trackerClusterN', 'tracker cluster')
if (f.video) {
  const mb = (x) => `${(x / 1e6).toFixed(2)} MB`
  for (const [arrival, r] of Object.entries(f.video.secondViewer)) {
    row(`video: second viewer (${arrival}), origin ÷ film`, r.error ? `${mb(r.originBytes)}; ${r.error.slice(0, 40)}` : mb(r.originBytes), `film ${mb(f.video.filmBytes)}`, fmt(r.originBytes / f.video.filmBytes, 3), '≤ 0.1', !r.error && r.originBytes / f.video.filmBytes <= 0.1)
  }
  for (const [arrival, r] of Object.entries(f.video.shortViewer)) {
    row(`video: 10 s viewer (${arrival}), origin with ÷ without, median of ${r.pairs?.length ?? 1}`, r.error ? `${mb(r.originBytesWith)}; ${r.error.slice(0, 40)}` : mb(r.originBytesWith), `without ${mb(r.originBytesWithout)}`, fmt(r.ratio), '≤ 1.0', !r.error && r.ratio <= 1)
  }
}
failed('video', 'video')

const header = ['figure', 'measured', 'baseline', 'ratio', 'goal', '']
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)))
const line = (cells) => `| ${cells.map((c, i) => String(c).padEnd(widths[i])).join(' | ')} |`
const table = [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n')
const env = results.environment
const envLine = `node ${env.node}, ${env.chromium}, webtorrent ${env.webtorrent}, ${env.cpus} × ${env.cpuModel}, ${env.memoryGiB} GiB; ${results.totalSeconds} s`
results.table = table

if (!reprint) {
  await mkdir(join(ROOT, 'bench', 'out'), { recursive: true })
  await writeFile(join(ROOT, 'bench', 'out', 'results.json'), JSON.stringify(results, null, 2) + '\n')
}
console.log(`\n${envLine}\n\n${table}\n`)
if (f.offload) console.log(`offload visit: ${f.offload.definition}`)
console.log('details: bench/out/results.json')
