// `swarmcdn publish` hashing speed vs `sha256sum` over the same generated tree
// (DESIGN §4: ≥ 0.8×). Both sides read every byte from a warm page cache; each
// runs twice and the best run counts.
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { bytes, rng, runCli, runProcess } from './lib.js'

/**
 * About 300 MB (the goal names 500 MB; scaled down so the whole bench stays
 * under 15 minutes on a shared 2-core machine): many small files, some medium,
 * a few large, like a site with media. Sizes from a fixed seed.
 */
const TREE = [
  { count: 1500, min: 1_000, max: 32_000 },
  { count: 150, min: 64_000, max: 2_000_000 },
  { count: 6, min: 20_000_000, max: 20_000_000 }
]
const TREE_SEED = 7
const RUNS = 2

async function makeTree () {
  const dir = await mkdtemp(join(tmpdir(), 'swarmcdn-bench-publish-'))
  const next = rng(TREE_SEED)
  const files = []
  let total = 0
  let i = 0
  for (const t of TREE) {
    for (let k = 0; k < t.count; k++, i++) {
      const size = Math.round(t.min + next() * (t.max - t.min))
      const rel = `d${i % 20}/f${i}.bin`
      await mkdir(join(dir, `d${i % 20}`), { recursive: true })
      await writeFile(join(dir, rel), bytes(size, 1000 + i))
      files.push(rel)
      total += size
    }
  }
  return { dir, files, total }
}

export async function publishSpeed () {
  const tree = await makeTree()
  try {
    // Warm the page cache once so neither side pays the first disk read.
    for (const f of tree.files) await readFile(join(tree.dir, f))
    const sha = []
    const pub = []
    for (let r = 0; r < RUNS; r++) {
      const s = await runProcess('sha256sum', tree.files, { cwd: tree.dir })
      if (s.code !== 0) throw new Error(`sha256sum: ${s.stderr}`)
      sha.push(s.ms)
      const p = await runCli(['publish', tree.dir, '--no-runtime', '--json'])
      if (p.code !== 0) throw new Error(`publish: ${p.stderr}`)
      const info = JSON.parse(p.stdout)
      if (info.bytes !== tree.total) throw new Error(`publish hashed ${info.bytes} bytes, tree has ${tree.total}`)
      pub.push(p.ms)
    }
    const mbps = (ms) => tree.total / 1e6 / (ms / 1000)
    const shaBest = Math.min(...sha)
    const pubBest = Math.min(...pub)
    return {
      files: tree.files.length,
      bytes: tree.total,
      sha256sumMs: sha.map(Math.round),
      publishMs: pub.map(Math.round),
      sha256sumMBps: mbps(shaBest),
      publishMBps: mbps(pubBest),
      ratio: mbps(pubBest) / mbps(shaBest)
    }
  } finally {
    await rm(tree.dir, { recursive: true, force: true })
  }
}
