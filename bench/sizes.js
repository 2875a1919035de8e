// Bundle sizes (DESIGN §4): what the script tag loads must stay ≤ 6 KB gzipped;
// the engine is loaded lazily, only where P2P is allowed.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { ROOT } from './lib.js'

const FILES = ['swarmcdn.js', 'swarmcdn-sw.js', 'swarmcdn-engine.js']

export function sizes () {
  const out = {}
  for (const f of FILES) {
    const data = readFileSync(join(ROOT, 'dist', f))
    // Level 9: what a static host's precompressed .gz would be.
    out[f] = { bytes: data.length, gzip: gzipSync(data, { level: 9 }).length }
  }
  return out
}
