// Writes a release all-or-nothing: every output goes to a temporary file in
// its final folder first (same filesystem, so rename is atomic), and only when
// all are written are they renamed into place, the manifest last. A failure
// before that point leaves the previous release untouched.
import { copyFile, mkdir, rename, rmdir, unlink, writeFile } from 'node:fs/promises'
import { randomBytes } from 'node:crypto'
import { basename, dirname, join } from 'node:path'
import { existsSync } from 'node:fs'
import { TEMP_PREFIX } from './walk.js'

export type Output =
  | { path: string, data: Buffer | string }
  | { path: string, copyFrom: string }

/** Writes `outputs` in order; the last one is the commit point (the manifest). */
export async function commitOutputs (outputs: readonly Output[]): Promise<void> {
  const createdDirs: string[] = []
  const temps: Array<{ temp: string, final: string }> = []
  const tag = `${process.pid}-${randomBytes(4).toString('hex')}`
  try {
    for (const out of outputs) {
      const dir = dirname(out.path)
      if (!existsSync(dir)) {
        await mkdir(dir, { recursive: true })
        createdDirs.push(dir)
      }
      const temp = join(dir, `${TEMP_PREFIX}${tag}-${basename(out.path)}`)
      temps.push({ temp, final: out.path })
      if ('data' in out) await writeFile(temp, out.data)
      else await copyFile(out.copyFrom, temp)
    }
  } catch (err) {
    await Promise.all(temps.map(async ({ temp }) => await unlink(temp).catch(() => {})))
    for (const dir of createdDirs.reverse()) await rmdir(dir).catch(() => {})
    throw err
  }
  for (const { temp, final } of temps) await rename(temp, final)
}
