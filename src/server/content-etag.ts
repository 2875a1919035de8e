// Strong ETags from content, never from size and mtime: two reproducible
// builds with equal sizes and fixed mtimes would share a size/mtime ETag, and
// a changed body would revalidate as 304 (RFC 9110 8.8.3: a strong validator
// changes whenever the representation data changes).
//
// The ETag is the SRI form of the body's SHA-256. For a manifest asset it is
// the manifest's own integrity, when the file on disk can be trusted to be the
// published one (same size, not modified after the manifest was written):
// no hashing on the request path for the files that matter most. Any other
// file is hashed once and remembered by inode, size, mtime and ctime.
import { createHash } from 'node:crypto'
import type { Stats } from 'node:fs'
import type { FileHandle } from 'node:fs/promises'

/** Remembered hashes; a site has far fewer files, a flood of paths cannot grow it beyond this. */
const MAX_REMEMBERED = 10_000
const remembered = new Map<string, string>()

const statKey = (st: Stats): string => `${st.dev}:${st.ino}:${st.size}:${st.mtimeMs}:${st.ctimeMs}`

export function etagFromIntegrity (integrity: string): string {
  return `"${integrity}"`
}

/** The SHA-256 of the open file's bytes, in SRI form, remembered by its stat. */
export async function contentIntegrity (fh: FileHandle, st: Stats): Promise<string> {
  const key = statKey(st)
  const known = remembered.get(key)
  if (known !== undefined) return known
  const hash = createHash('sha256')
  // Positional reads: the handle's own position stays where the body pump expects it.
  const buf = Buffer.allocUnsafe(Math.min(1 << 20, Math.max(1, st.size)))
  for (let pos = 0; pos < st.size;) {
    const { bytesRead } = await fh.read(buf, 0, Math.min(buf.length, st.size - pos), pos)
    if (bytesRead === 0) break
    hash.update(buf.subarray(0, bytesRead))
    pos += bytesRead
  }
  const integrity = `sha256-${hash.digest('base64')}`
  if (remembered.size >= MAX_REMEMBERED) remembered.delete(remembered.keys().next().value!)
  remembered.set(key, integrity)
  return integrity
}

/**
 * The strong ETag for a file: the manifest's integrity when `published`
 * vouches for it, else the hash of its bytes.
 */
export async function contentEtag (fh: FileHandle, st: Stats, published?: { integrity: string, size: number, manifestMtimeMs: number }): Promise<string> {
  if (published !== undefined && published.size === st.size && st.mtimeMs <= published.manifestMtimeMs) return etagFromIntegrity(published.integrity)
  return etagFromIntegrity(await contentIntegrity(fh, st))
}
