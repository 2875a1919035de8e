// SRI (`sha256-<base64>`) helpers on WebCrypto, which page, SW and Node 20 all have.

export function bytesToBase64 (bytes: Uint8Array): string {
  let s = ''
  for (let i = 0; i < bytes.length; i += 0x8000) {
    s += String.fromCharCode(...bytes.subarray(i, i + 0x8000))
  }
  return btoa(s)
}

/** Base64 SHA-256 of `data` (the bare digest, without the `sha256-` prefix). */
export async function sha256Base64 (data: BufferSource): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', data)
  return bytesToBase64(new Uint8Array(digest))
}

/** SRI string for `data`. */
export async function integrityOf (data: BufferSource): Promise<string> {
  return `sha256-${await sha256Base64(data)}`
}

/** True when `data` hashes to the SRI string `integrity` (sha256 only). */
export async function matchesIntegrity (data: BufferSource, integrity: string): Promise<boolean> {
  if (!integrity.startsWith('sha256-')) return false
  return (await integrityOf(data)) === integrity
}
