// Whether the origin lets a response's bytes be kept and shared: not private
// or no-store, and not varying on who asks.
export function cacheable (res: Response): boolean {
  const cc = (res.headers.get('Cache-Control') ?? '').toLowerCase()
  if (/\b(no-store|private)\b/.test(cc)) return false
  const vary = (res.headers.get('Vary') ?? '').toLowerCase()
  if (/(^|,)\s*(\*|cookie|authorization)\s*(,|$)/.test(vary)) return false
  return true
}
