// Pure: no SW globals, so it is unit-tested in Node.
/**
 * The length of the body the page will read, when it is known before reading.
 * A CDN that compresses (Content-Encoding: gzip, br) sends a Content-Length of
 * the encoded bytes, but a whole 200 of a manifest asset decodes to the
 * asset's size: such answers keep the Blob fast path instead of being pumped
 * through JavaScript (measured 1.5x page load for a compressing origin).
 */
export function decodedLength (res: Response, assetSize: number, partial: boolean): number {
  const encoding = (res.headers.get('Content-Encoding') ?? '').trim().toLowerCase()
  if (encoding === '' || encoding === 'identity') return Number(res.headers.get('Content-Length') ?? NaN)
  return !partial && res.status === 200 ? assetSize : NaN
}
