// Named response factories (one place decides status codes and headers).
import type { ManifestAsset } from '../src/shared/manifest.js'
import { SOURCE_HEADER, type Source } from '../src/shared/protocol.js'
import { contentRange } from '../src/shared/range.js'

export interface Span { start: number, end: number } // end exclusive

function baseHeaders (asset: ManifestAsset, source: Source, length: number): Headers {
  return new Headers({
    'Content-Type': asset.type,
    'Content-Length': String(length),
    'Accept-Ranges': 'bytes',
    ETag: `"${asset.integrity}"`,
    [SOURCE_HEADER]: source
  })
}

/** 200 for the whole asset or 206 for `span`, with type and length from the manifest. */
export function assetResponse (asset: ManifestAsset, source: Source, body: BodyInit, span: Span, partial: boolean): Response {
  const headers = baseHeaders(asset, source, span.end - span.start)
  if (partial) {
    headers.set('Content-Range', contentRange(span.start, span.end - 1, asset.size))
    return new Response(body, { status: 206, statusText: 'Partial Content', headers })
  }
  return new Response(body, { status: 200, statusText: 'OK', headers })
}

/** Re-wraps an origin response to add the source header (status and headers kept). */
export function withSource (res: Response, source: Source, body: BodyInit | null = res.body): Response {
  // Opaque and redirected responses cannot be re-wrapped without changing their meaning.
  if (res.type === 'opaque' || res.type === 'opaqueredirect' || res.redirected) return res
  const headers = new Headers(res.headers)
  headers.set(SOURCE_HEADER, source)
  return new Response(body, { status: res.status, statusText: res.statusText, headers })
}
