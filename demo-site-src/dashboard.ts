// Live offload dashboard: polls the origin's ground truth (GET /swarmcdn/stats)
// and this browser's own counters (window.swarmcdn.stats()) once a second and
// draws them side by side. No figure here is estimated on the client except
// where the caption says how.
import {
  CategoryScale, Chart, Filler, Legend, LinearScale, LineController, LineElement, PointElement, Tooltip,
  type ChartDataset
} from 'chart.js'
import { ago, bytes, clock, percent, rate } from './format.js'
import { ceiling, counted, peerOffload, swarmOffload, type Manifest, type PathCounters, type Reported, type SwarmOffload } from './offload.js'
import { startHistory } from './history.js'

Chart.register(LineController, LineElement, PointElement, LinearScale, CategoryScale, Filler, Legend, Tooltip)

/** Poll period: the stats endpoint is cheap, and 1 s reads as live. */
const POLL_MS = 1000
/** Points kept on each chart: five minutes at one a second. */
const HISTORY = 300
const STATS_URL = '/swarmcdn/stats'
const MANIFEST_URL = '/swarmcdn.json'

type Source = 'peer' | 'origin' | 'cache'
interface AssetDelivery { source: Source, bytes: number, at: number, reason?: string }
interface EngineStatus { running: boolean, peers: number, uploadSpeed: number, downloadSpeed: number, piecesHeld: number, piecesTotal: number }
interface OwnStats {
  bytesFromPeers: number
  bytesFromOrigin: number
  bytesFromCache: number
  bytesUploaded: number
  /** Fetched from peers ahead of a navigation (linked pages' assets), into the verified cache. */
  bytesPrefetched: number
  peers: number
  leader: boolean
  p2p: boolean
  controlled: boolean
  engine: EngineStatus | null
  assets: Record<string, AssetDelivery>
}
interface SwarmcdnApi extends EventTarget { stats: () => Promise<OwnStats> }
interface ServerStats {
  origin: { bytesServed: number, requests: number, byPath: Record<string, PathCounters> }
  tracker: { peers: number, swarms: number, connections?: number, announces?: number }
  release: { infoHash: string, assets: number, bytes: number } | null
  /** Reported by visitors at POST /swarmcdn/report (not the origin's own measure). */
  reported?: Reported & { refused: Record<string, number>, seederReports: number }
  uptimeSeconds?: number
}

const COLORS = { peer: '#16a34a', origin: '#ea580c', cache: '#2563eb', needed: '#64748b', ceiling: '#94a3b8', up: '#7c3aed', down: '#0891b2' }

function $ (id: string): HTMLElement {
  const el = document.getElementById(id)
  if (!el) throw new Error(`dashboard: #${id} missing`)
  return el
}

/** Writes a figure and keeps the raw number in data-value (for scripts and tests). */
function show (id: string, text: string, raw?: number | null): void {
  const el = $(id)
  if (el.textContent !== text) el.textContent = text
  if (raw !== undefined) el.dataset.value = raw === null ? '' : String(raw)
}

function api (): SwarmcdnApi | null {
  return (window as unknown as { swarmcdn?: SwarmcdnApi }).swarmcdn ?? null
}

async function getJson<T> (url: string): Promise<T> {
  const res = await fetch(url, { cache: 'no-store' })
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`)
  return await res.json() as T
}

function lineChart (canvasId: string, datasets: Array<ChartDataset<'line', number[]>>, yFormat: (v: number) => string, opts: { stacked?: boolean, max?: number } = {}): Chart<'line', number[], string> {
  const canvas = $(canvasId) as HTMLCanvasElement
  return new Chart<'line', number[], string>(canvas, {
    type: 'line',
    data: { labels: [], datasets },
    options: {
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      interaction: { mode: 'index', intersect: false },
      elements: { point: { radius: 0, hitRadius: 6 }, line: { borderWidth: 2, tension: 0.25 } },
      scales: {
        x: { ticks: { maxTicksLimit: 6, color: '#64748b', font: { size: 11 } }, grid: { display: false } },
        y: {
          stacked: opts.stacked ?? false,
          beginAtZero: true,
          ...(opts.max !== undefined ? { max: opts.max } : {}),
          ticks: { callback: (v) => yFormat(Number(v)), color: '#64748b', font: { size: 11 }, maxTicksLimit: 5 },
          grid: { color: '#eef2f7' }
        }
      },
      plugins: {
        legend: { position: 'bottom', labels: { boxWidth: 10, boxHeight: 10, usePointStyle: true, color: '#334155', font: { size: 12 } } },
        tooltip: { callbacks: { label: (c) => `${c.dataset.label ?? ''}: ${yFormat(Number(c.parsed.y))}` } }
      }
    }
  })
}

const series = (label: string, color: string, extra: Partial<ChartDataset<'line', number[]>> = {}): ChartDataset<'line', number[]> =>
  ({ label, data: [], borderColor: color, backgroundColor: `${color}33`, ...extra })

const charts = {
  swarm: lineChart('chart-swarm', [
    series('Needed by page views', COLORS.needed, { borderDash: [5, 4] }),
    series('Sent by the origin', COLORS.origin, { fill: 'origin' })
  ], bytes),
  offload: lineChart('chart-offload', [
    series('Swarm offload', COLORS.peer, { fill: 'origin' }),
    series('Ceiling (N−1)/N', COLORS.ceiling, { borderDash: [5, 4], stepped: true })
  ], (v) => `${Math.round(v * 100)} %`, { max: 1 }),
  own: lineChart('chart-own', [
    series('From peers', COLORS.peer, { fill: 'origin' }),
    series('From origin', COLORS.origin, { fill: '-1' }),
    series('From cache', COLORS.cache, { fill: '-1' })
  ], bytes, { stacked: true }),
  rates: lineChart('chart-rates', [
    series('Origin egress (all visitors)', COLORS.origin),
    series('This browser uploads', COLORS.up),
    series('This browser downloads from peers', COLORS.down)
  ], rate)
}

function push (chart: Chart<'line', number[], string>, label: string, values: number[]): void {
  const labels = chart.data.labels as string[]
  labels.push(label)
  chart.data.datasets.forEach((d, i) => { d.data.push(values[i] ?? 0) })
  if (labels.length > HISTORY) {
    labels.shift()
    chart.data.datasets.forEach((d) => d.data.shift())
  }
  chart.update('none')
  chart.canvas.parentElement!.dataset.points = String(labels.length)
}

let manifest: Manifest | null = null
let lastOrigin: { t: number, bytes: number } | null = null
let ticks = 0

async function loadManifest (infoHash: string | undefined): Promise<void> {
  if (manifest && (infoHash === undefined || manifest.infoHash === infoHash)) return
  manifest = await getJson<Manifest>(MANIFEST_URL)
}

function setStatus (ok: boolean, text: string): void {
  const el = $('status')
  el.classList.toggle('status-ok', ok)
  el.classList.toggle('status-bad', !ok)
  show('status-text', text)
}

function renderGauge (offload: number | null, ceil: number): void {
  const fill = $('gauge-fill')
  const mark = $('gauge-ceiling')
  fill.style.width = `${Math.max(0, Math.min(1, offload ?? 0)) * 100}%`
  mark.style.left = `${ceil * 100}%`
  mark.hidden = ceil <= 0
}

function badge (source: Source | undefined): string {
  return source ? `<span class="badge badge-${source}">${source}</span>` : '<span class="muted">—</span>'
}

function esc (s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
}

function renderAssets (m: Manifest, server: ServerStats, own: OwnStats | null, sw: SwarmOffload, now: number): void {
  const rows = Object.entries(m.assets)
    .sort((a, b) => b[1].size - a[1].size)
    .map(([path, a]) => {
      const o = server.origin.byPath[path]
      const d = own?.assets[path]
      const views = sw.neededViews[path]
      return `<tr data-path="${esc(path)}">
        <td class="path" title="${esc(a.type)}">${esc(path)}</td>
        <td class="num">${bytes(a.size)}</td>
        <td class="num">${counted(a) ? String(views ?? 0) : '<span class="muted" title="Streamed by Range: not counted">stream</span>'}</td>
        <td class="num">${String(o?.requests ?? 0)}</td>
        <td class="num">${bytes(o?.bytes ?? 0)}</td>
        <td>${badge(d?.source)}</td>
        <td class="num">${d ? bytes(d.bytes) : ''}</td>
        <td class="muted">${d ? ago(d.at, now) : ''}${d?.reason ? ` · ${esc(d.reason)}` : ''}</td>
      </tr>`
    })
  $('assets-body').innerHTML = rows.join('')
}

async function tick (): Promise<void> {
  const swarmcdn = api()
  const [server, own] = await Promise.all([
    getJson<ServerStats>(STATS_URL),
    swarmcdn ? swarmcdn.stats().catch(() => null) : Promise.resolve(null)
  ])
  await loadManifest(server.release?.infoHash)
  const now = Date.now()
  const label = clock(now)
  const m = manifest!
  const sw = swarmOffload(m, server.origin.byPath)
  const peersOnline = server.tracker.peers
  const ceil = ceiling(peersOnline)
  const po = peerOffload(m, server.origin.byPath, server.reported)

  // Swarm-wide: peer bytes as visitors report them (cross-checked with uploads), origin bytes from its own counter.
  show('kpi-offload', percent(po.offload), po.offload)
  show('kpi-ceiling', (server.reported?.reports ?? 0) === 0
    ? 'no visitor reports yet'
    : peersOnline > 1 ? `ceiling ${percent(ceil)} for N = ${peersOnline}` : 'ceiling needs N ≥ 2 peers', ceil)
  renderGauge(po.offload, ceil)
  show('kpi-peers', String(peersOnline), peersOnline)
  show('kpi-peers-sub', `${server.tracker.swarms} swarm${server.tracker.swarms === 1 ? '' : 's'} · ${server.tracker.connections ?? 0} tracker connections`)
  show('kpi-origin-bytes', bytes(server.origin.bytesServed), server.origin.bytesServed)
  show('kpi-origin-sub', `${server.origin.requests.toLocaleString()} requests · all files`)
  show('kpi-needed', bytes(sw.needed), sw.needed)
  const views = Object.values(sw.views).reduce((a, b) => a + b, 0)
  show('kpi-needed-sub', `${views} page view${views === 1 ? '' : 's'} · origin sent ${bytes(sw.fromOrigin)} of it`)
  show('kpi-saved', bytes(po.fromPeers), po.fromPeers)
  const r = server.reported
  show('kpi-saved-sub', r ? `${r.reports} reports · ↓ ${bytes(r.bytesFromPeers)} received · ↑ ${bytes(r.bytesUploaded)} uploaded · ${Object.values(r.refused).reduce((a, b) => a + b, 0)} refused` : 'reported by visitors')
  show('release', server.release ? `release ${server.release.infoHash.slice(0, 10)}… · ${server.release.assets} assets · ${bytes(server.release.bytes)}` : 'no release published')

  let originRate = 0
  if (lastOrigin && now > lastOrigin.t) originRate = Math.max(0, (server.origin.bytesServed - lastOrigin.bytes) * 1000 / (now - lastOrigin.t))
  lastOrigin = { t: now, bytes: server.origin.bytesServed }

  // This browser: its SW's counters (all its tabs on this site) and its leader tab's engine.
  const e = own?.engine?.running ? own.engine : null
  show('own-peers', bytes(own?.bytesFromPeers ?? 0), own?.bytesFromPeers ?? 0)
  show('own-origin', bytes(own?.bytesFromOrigin ?? 0), own?.bytesFromOrigin ?? 0)
  show('own-cache', bytes(own?.bytesFromCache ?? 0), own?.bytesFromCache ?? 0)
  show('own-prefetched', bytes(own?.bytesPrefetched ?? 0), own?.bytesPrefetched ?? 0)
  show('own-uploaded', bytes(own?.bytesUploaded ?? 0), own?.bytesUploaded ?? 0)
  show('own-connected', String(own?.peers ?? 0), own?.peers ?? 0)
  const total = (own?.bytesFromPeers ?? 0) + (own?.bytesFromOrigin ?? 0) + (own?.bytesFromCache ?? 0)
  show('own-offload', total > 0 ? percent(((own?.bytesFromPeers ?? 0) + (own?.bytesFromCache ?? 0)) / total) : '—')
  show('own-mode', own === null
    ? 'swarmcdn is not running in this browser'
    : !own.controlled ? 'page not controlled by the service worker yet'
        : e ? `P2P on · ${own.leader ? 'leader tab' : 'follower tab'} · ${e.piecesHeld}/${e.piecesTotal} pieces held`
          : 'P2P off (engine not started)')
  show('own-rates', `↑ ${rate(e?.uploadSpeed ?? 0)} · ↓ ${rate(e?.downloadSpeed ?? 0)}`)

  push(charts.swarm, label, [sw.needed, sw.fromOrigin])
  push(charts.offload, label, [po.offload ?? 0, ceil])
  push(charts.own, label, [own?.bytesFromPeers ?? 0, own?.bytesFromOrigin ?? 0, own?.bytesFromCache ?? 0])
  push(charts.rates, label, [originRate, e?.uploadSpeed ?? 0, e?.downloadSpeed ?? 0])
  renderAssets(m, server, own, sw, now)

  ticks++
  document.body.dataset.ticks = String(ticks)
  setStatus(true, `live · updated ${label}`)
}

async function loop (): Promise<void> {
  const started = Date.now()
  try {
    await tick()
  } catch (err) {
    setStatus(false, `stats unavailable: ${err instanceof Error ? err.message : String(err)}`)
  }
  setTimeout(() => { void loop() }, Math.max(0, POLL_MS - (Date.now() - started)))
}

// A delivery to this browser flashes the asset table; the next poll fills in its row.
api()?.addEventListener('delivery', () => { $('assets-card').classList.add('flash'); setTimeout(() => $('assets-card').classList.remove('flash'), 400) })
void loop()
startHistory()
