// The published tree on disk checked against the origin's manifest: every
// asset present, of the manifest's size, with the manifest's SHA-256.
import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import { join, resolve, sep } from 'node:path'
import type { Manifest } from '../shared/manifest.js'

/** The file under `dir` that serves URL path `path` (percent-decoded; never outside `dir`). */
export function assetFile (dir: string, path: string): string {
  const root = resolve(dir)
  const file = resolve(join(root, ...path.split('/').filter((s) => s !== '').map((s) => decodeURIComponent(s))))
  if (file !== root && !file.startsWith(root + sep)) throw new Error(`${path}: outside the tree`)
  return file
}

export interface TreeMismatch {
  path: string
  problem: 'missing' | 'size' | 'hash'
  detail: string
}

async function sha256 (file: string): Promise<string> {
  const h = createHash('sha256')
  for await (const chunk of createReadStream(file)) h.update(chunk as Buffer)
  return `sha256-${h.digest('base64')}`
}

/** Re-hashes every asset of `manifest` under `dir`; an empty list means the tree is the release. */
export async function checkTree (dir: string, manifest: Manifest): Promise<TreeMismatch[]> {
  const out: TreeMismatch[] = []
  // Four files at a time: hashing is I/O- and CPU-bound, and a seeder shares its machine.
  const entries = Object.entries(manifest.assets)
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < entries.length) {
      const [path, a] = entries[next++]
      let file: string
      try {
        file = assetFile(dir, path)
        const st = await stat(file)
        if (!st.isFile()) { out.push({ path, problem: 'missing', detail: 'not a file' }); continue }
        if (st.size !== a.size) { out.push({ path, problem: 'size', detail: `${st.size} bytes on disk, manifest says ${a.size}` }); continue }
      } catch (err) {
        out.push({ path, problem: 'missing', detail: (err as NodeJS.ErrnoException).code ?? (err as Error).message })
        continue
      }
      const got = await sha256(file)
      if (got !== a.integrity) out.push({ path, problem: 'hash', detail: `${got} on disk, manifest says ${a.integrity}` })
    }
  }
  await Promise.all([worker(), worker(), worker(), worker()])
  return out.sort((x, y) => x.path.localeCompare(y.path))
}

export function describeMismatches (dir: string, m: TreeMismatch[], max = 10): string {
  const lines = m.slice(0, max).map((x) => `  ${x.path}: ${x.problem} (${x.detail})`)
  if (m.length > max) lines.push(`  … and ${m.length - max} more`)
  return `${dir} does not match the origin's manifest (${m.length} asset${m.length === 1 ? '' : 's'}):\n${lines.join('\n')}`
}
