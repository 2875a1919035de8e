// Content-Type recorded in the manifest. The SW serves peer bytes with this
// type (never one a peer sends), so it must be what the origin would send.
import mime from 'mime'

const FALLBACK = 'application/octet-stream'

/** Types whose body is text and gets an explicit charset (HTML spec: scripts and JSON are UTF-8). */
function isText (type: string): boolean {
  return type.startsWith('text/') || type === 'application/javascript' || type === 'application/json'
}

export function contentTypeOf (fileName: string): string {
  const type = mime.getType(fileName) ?? FALLBACK
  return isText(type) ? `${type}; charset=utf-8` : type
}
