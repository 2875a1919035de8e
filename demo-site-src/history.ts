// The dashboard's memory: GET /swarmcdn/history?range=hour|day|week, per-minute
// figures the origin keeps for a week across restarts, drawn as one chart.
import { Chart } from 'chart.js'
import { bytes, percent } from './format.js'

/** The history changes by the minute; a poll every 30 s is plenty. */
const HISTORY_POLL_MS = 30_000

type Range = 'hour' | 'day' | 'week'
interface Point { t: number, originAssetBytes: number, confirmedPeerBytes: number, peers: number, offload: number | null }
interface HistoryJson { range: Range, bucketSeconds: number, points: Point[], byRelease: Record<string, { originAssetBytes: number, confirmedPeerBytes: number, offload: number | null }> }

const label = (t: number, range: Range): string => {
  const d = new Date(t)
  const hm = `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`
  return range === 'week' ? `${d.toLocaleDateString(undefined, { weekday: 'short' })} ${hm}` : hm
}

export function startHistory (): void {
  const canvas = document.getElementById('chart-history') as HTMLCanvasElement | null
  if (canvas === null) return
  let range: Range = 'hour'
  const chart = new Chart<'line', number[], string>(canvas, {
    type: 'line',
    data: {
      labels: [],
      datasets: [
        { label: 'From peers (reported)', data: [], borderColor: '#16a34a', backgroundColor: '#16a34a33', fill: 'origin', yAxisID: 'y' },
        { label: 'From the origin (assets)', data: [], borderColor: '#ea580c', backgroundColor: '#ea580c33', fill: '-1', yAxisID: 'y' },
        { label: 'Offload', data: [], borderColor: '#0f172a', borderDash: [4, 3], yAxisID: 'ratio' },
        { label: 'Peers online (peak)', data: [], borderColor: '#7c3aed', stepped: true, yAxisID: 'peers' }
      ]
    },
    options: {
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      interaction: { mode: 'index', intersect: false },
      elements: { point: { radius: 0, hitRadius: 6 }, line: { borderWidth: 2, tension: 0.2 } },
      scales: {
        x: { ticks: { maxTicksLimit: 8, color: '#64748b', font: { size: 11 } }, grid: { display: false } },
        y: { stacked: true, beginAtZero: true, ticks: { callback: (v) => bytes(Number(v)), color: '#64748b', maxTicksLimit: 5 } },
        ratio: { position: 'right', min: 0, max: 1, ticks: { callback: (v) => `${Math.round(Number(v) * 100)} %`, color: '#64748b', maxTicksLimit: 3 }, grid: { display: false } },
        peers: { display: false, beginAtZero: true }
      },
      plugins: { legend: { position: 'bottom', labels: { boxWidth: 10, boxHeight: 10, usePointStyle: true } } }
    }
  })

  const load = async (): Promise<void> => {
    const el = document.getElementById('history-summary')
    try {
      const res = await fetch(`/swarmcdn/history?range=${range}`, { cache: 'no-store' })
      if (!res.ok) throw new Error(`HTTP ${res.status}`)
      const h = await res.json() as HistoryJson
      chart.data.labels = h.points.map((p) => label(p.t, range))
      chart.data.datasets[0].data = h.points.map((p) => p.confirmedPeerBytes)
      chart.data.datasets[1].data = h.points.map((p) => p.originAssetBytes)
      chart.data.datasets[2].data = h.points.map((p) => p.offload ?? Number.NaN)
      chart.data.datasets[3].data = h.points.map((p) => p.peers)
      chart.update('none')
      const peer = h.points.reduce((n, p) => n + p.confirmedPeerBytes, 0)
      const origin = h.points.reduce((n, p) => n + p.originAssetBytes, 0)
      const releases = Object.keys(h.byRelease).filter((k) => k !== '-').length
      canvas.parentElement!.dataset.points = String(h.points.length)
      if (el) {
        el.textContent = `${bytes(peer)} from peers, ${bytes(origin)} from the origin · offload ${percent(peer + origin > 0 ? peer / (peer + origin) : null)} · ${releases} release${releases === 1 ? '' : 's'} · one point per ${h.bucketSeconds / 60} min`
        el.dataset.peerBytes = String(peer)
        el.dataset.originBytes = String(origin)
      }
    } catch (err) {
      if (el) el.textContent = `history unavailable: ${err instanceof Error ? err.message : String(err)}`
    }
  }

  for (const b of Array.from(document.querySelectorAll<HTMLButtonElement>('[data-range]'))) {
    b.addEventListener('click', () => {
      range = b.dataset.range as Range
      for (const o of Array.from(document.querySelectorAll<HTMLButtonElement>('[data-range]'))) o.setAttribute('aria-pressed', String(o === b))
      void load()
    })
  }
  void load()
  setInterval(() => { void load() }, HISTORY_POLL_MS)
}
