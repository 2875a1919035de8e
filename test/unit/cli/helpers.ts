// Temp-dir fixtures for the CLI tests.
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'

const made: string[] = []

/** A fresh temp folder, removed by cleanupTemp(). */
export function tempDir (prefix = 'swarmcdn-cli-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  made.push(dir)
  return dir
}

export function cleanupTemp (): void {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true })
}

/** Writes `files` (relative POSIX path → content) under a new temp folder. */
export function makeTree (files: Record<string, string | Buffer>, root = tempDir()): string {
  for (const [rel, content] of Object.entries(files)) {
    const abs = join(root, ...rel.split('/'))
    mkdirSync(dirname(abs), { recursive: true })
    writeFileSync(abs, content)
  }
  return root
}

/** Deterministic pseudo-random bytes (so fixtures are reproducible). */
export function bytes (size: number, seed = 1): Buffer {
  const out = Buffer.alloc(size)
  let x = seed >>> 0 || 1
  for (let i = 0; i < size; i++) {
    x ^= x << 13; x >>>= 0
    x ^= x >>> 17
    x ^= x << 5; x >>>= 0
    out[i] = x & 0xff
  }
  return out
}

export function sha256b64 (data: Buffer): string {
  return createHash('sha256').update(data).digest('base64')
}

/** True when publish left no output at all in `dir`. */
export function nothingWritten (dir: string): boolean {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) return true
  const names = readdirSync(dir)
  return !names.includes('swarmcdn.json') && !names.includes('swarmcdn') && !names.some((n) => n.startsWith('.swarmcdn-tmp-'))
}
