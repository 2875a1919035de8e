// Number formatting for the dashboard: decimal units (1 MB = 1,000,000 bytes),
// as network tools and billing pages show them.

const UNITS = ['B', 'KB', 'MB', 'GB', 'TB']

export function bytes (n: number): string {
  if (!Number.isFinite(n)) return '—'
  let v = Math.abs(n)
  let u = 0
  while (v >= 1000 && u < UNITS.length - 1) { v /= 1000; u++ }
  const digits = u === 0 ? 0 : v < 10 ? 2 : v < 100 ? 1 : 0
  return `${n < 0 ? '−' : ''}${v.toFixed(digits)} ${UNITS[u]}`
}

export function rate (bytesPerSecond: number): string {
  return `${bytes(bytesPerSecond)}/s`
}

export function percent (ratio: number | null): string {
  if (ratio === null || !Number.isFinite(ratio)) return '—'
  return `${(ratio * 100).toFixed(1)} %`
}

export function clock (t: number): string {
  return new Date(t).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false })
}

export function ago (t: number, now: number): string {
  const s = Math.max(0, Math.round((now - t) / 1000))
  if (s < 60) return `${s} s ago`
  const m = Math.round(s / 60)
  return m < 60 ? `${m} min ago` : `${Math.round(m / 60)} h ago`
}
