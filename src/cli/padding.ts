// The torrent's padding files on disk. BEP 47 clients skip files marked
// `attr: "p"` (libtorrent and its family), but WebTorrent 3 reads every file
// of a torrent from disk when it seeds, padding included: without
// `<dir>/.pad/<n>` its pieces that end in padding never verify, and a stock
// client seeds only part of the release. Each file is sparse (truncate, no
// data written), so it takes no disk blocks, and equal sizes share one file.
import { mkdir, open, readdir, rmdir, stat, unlink } from 'node:fs/promises'
import { join } from 'node:path'
import { padSegments } from '../shared/manifest.js'

const PAD_NAME = /^[1-9][0-9]*$/

/**
 * Makes `<dir>/.pad/<n>` exist, zero-filled, for each size in `sizes`, and
 * removes padding files of earlier releases that this one no longer names
 * (and `.pad` itself when it ends up empty). Files not named like padding
 * are left alone.
 */
export async function writePadding (dir: string, sizes: Iterable<number>): Promise<void> {
  const wanted = new Set(sizes)
  const padDir = join(dir, padSegments(1)[0]!)
  if (wanted.size > 0) await mkdir(padDir, { recursive: true })
  for (const size of wanted) {
    const file = join(dir, ...padSegments(size))
    const st = await stat(file).catch(() => null)
    // An existing file of the right length may still hold non-zero bytes: rewrite unless it is empty-by-construction.
    if (st !== null && st.isFile() && st.size === size && st.blocks === 0) continue
    const fh = await open(file, 'w')
    try {
      await fh.truncate(size)
    } finally {
      await fh.close()
    }
  }
  const present = await readdir(padDir).catch(() => [] as string[])
  for (const name of present) {
    if (PAD_NAME.test(name) && !wanted.has(Number(name))) await unlink(join(padDir, name))
  }
  if (wanted.size === 0) await rmdir(padDir).catch(() => {})
}
