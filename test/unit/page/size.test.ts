// The script tag's budget (DESIGN §4): swarmcdn.js ≤ 6 KB gzipped, measured
// like bench/sizes.js (level 9, what a host's precompressed .gz would be) on
// the built file (`npm test` builds first).
import { readFileSync } from 'node:fs'
import { gzipSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'

const LOADER_BUDGET_BYTES = 6000

describe('loader size', () => {
  it(`dist/swarmcdn.js is at most ${LOADER_BUDGET_BYTES} bytes gzipped`, () => {
    const data = readFileSync(new URL('../../../dist/swarmcdn.js', import.meta.url))
    const gz = gzipSync(data, { level: 9 }).length
    expect(gz).toBeLessThanOrEqual(LOADER_BUDGET_BYTES)
    // Not the engine by mistake: the loader never carries webtorrent.
    expect(data.includes('webtorrent')).toBe(false)
  })
})
