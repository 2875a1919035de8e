// Fuzz of parseManifest, the gate for everything the origin's swarmcdn.json
// says: random mutations of a valid manifest and random JSON. Only
// ManifestError may escape, and whatever is accepted satisfies the invariants
// the SW and engine rely on (re-checked here independently).
import { describe, expect, it } from 'vitest'
import { ManifestError, parseManifest, type Manifest } from '../../../src/shared/manifest.js'
import { int, pick, prng } from './prng.js'

const ITERATIONS = 5_000
const B64 = 'A'.repeat(43) + '='

function valid (): Record<string, unknown> {
  return {
    version: 1,
    infoHash: 'ab'.repeat(20),
    torrent: `swarmcdn/${'ab'.repeat(20)}.torrent`,
    pieceLength: 16384,
    trackers: ['/announce'],
    generator: 'swarmcdn',
    assets: {
      '/a.css': { size: 100, type: 'text/css', integrity: `sha256-${B64}`, offset: 0 },
      // Assets start on 16 KiB piece boundaries (padAfter).
      '/b.mp4': { size: 300_000, type: 'video/mp4', integrity: `sha256-${B64}`, offset: 16_384, blockSize: 262144, blocks: [B64, B64] },
      '/c%20d.png': { size: 5, type: 'image/png', integrity: `sha256-${B64}`, offset: 327_680 }
    },
    pages: { '/index.html': { assets: ['/a.css', '/nope'], links: ['/b.html'] } }
  }
}

function randomValue (rnd: () => number, depth = 0): unknown {
  const k = rnd()
  if (k < 0.1) return null
  if (k < 0.2) return rnd() < 0.5
  if (k < 0.4) return pick(rnd, [0, -1, 1, 1.5, 16384, 2 ** 53, NaN, Infinity, -0, 1e308, int(rnd, -1e6, 1e6)])
  if (k < 0.6) return pick(rnd, ['', '/', 'x', '/a?b', '/a#b', '\\\\a', `sha1-${'A'.repeat(27)}=`, `sha256-${B64}`, `sha512-${'A'.repeat(86)}==`, 'ab'.repeat(20), 'AB'.repeat(20), '__proto__', 'constructor'])
  if (depth > 3) return {}
  if (k < 0.8) return Array.from({ length: int(rnd, 0, 3) }, () => randomValue(rnd, depth + 1))
  const o: Record<string, unknown> = {}
  for (let i = int(rnd, 0, 3); i > 0; i--) o[pick(rnd, ['size', 'type', 'integrity', 'offset', 'blocks', 'blockSize', '/x', '__proto__', 'a'])] = randomValue(rnd, depth + 1)
  return o
}

/** Replaces, deletes or adds one value somewhere in the tree. */
function mutate (rnd: () => number, node: unknown, depth = 0): void {
  if (typeof node !== 'object' || node === null) return
  const keys = Object.keys(node)
  const rec = node as Record<string, unknown>
  const r = rnd()
  if (keys.length && r < 0.5 && depth < 4) { mutate(rnd, rec[pick(rnd, keys)], depth + 1); return }
  if (keys.length && r < 0.75) { rec[pick(rnd, keys)] = randomValue(rnd); return }
  if (keys.length && r < 0.9) { delete rec[pick(rnd, keys)]; return }
  rec[pick(rnd, ['version', 'extra', '/z.js', 'disabled', 'blocks', '__proto__'])] = randomValue(rnd)
}

/** Invariants an accepted manifest must hold, checked without the parser's code. */
function checkInvariants (m: Manifest): void {
  expect(m.version).toBe(1)
  expect(m.infoHash).toMatch(/^[0-9a-f]{40}$/)
  expect(Number.isSafeInteger(m.pieceLength) && m.pieceLength > 0 && m.pieceLength % 16384 === 0).toBe(true)
  expect(m.trackers.every((t) => typeof t === 'string' && t.length > 0)).toBe(true)
  let end = 0
  for (const [path, a] of Object.entries(m.assets).sort((x, y) => x[1].offset - y[1].offset)) {
    expect(path.startsWith('/') && !/[?#\\]/.test(path)).toBe(true)
    expect(Number.isSafeInteger(a.size) && a.size > 0).toBe(true)
    expect(a.integrity).toMatch(/^sha256-[A-Za-z0-9+/]{43}=$/)
    expect(a.offset).toBe(end === 0 ? 0 : Math.ceil(end / m.pieceLength) * m.pieceLength)
    end = a.offset + a.size
    if (a.blocks || a.blockSize) {
      expect(Number.isSafeInteger(a.blockSize) && a.blockSize! >= 1024).toBe(true)
      expect(a.blocks!.length).toBe(Math.ceil(a.size / a.blockSize!))
      for (const b of a.blocks!) expect(b).toMatch(/^[A-Za-z0-9+/]{43}=$/)
    }
  }
  for (const p of Object.values(m.pages ?? {})) for (const a of p.assets) expect(a in m.assets).toBe(true)
}

describe('parseManifest fuzz', () => {
  it('the unmutated fixture parses (the fuzz starts from something accepted)', () => {
    checkInvariants(parseManifest(valid()))
  })

  it(`${ITERATIONS} mutated manifests and random JSON: only ManifestError escapes, accepted ones hold the invariants`, () => {
    const rnd = prng(0xc0ffee)
    let accepted = 0
    for (let i = 0; i < ITERATIONS; i++) {
      let input: unknown
      if (rnd() < 0.15) input = randomValue(rnd)
      else {
        input = valid()
        for (let n = int(rnd, 1, 3); n > 0; n--) mutate(rnd, input)
      }
      // Through JSON as a fetched manifest would come (NaN → null and so on), sometimes raw.
      if (rnd() < 0.7) { try { input = JSON.parse(JSON.stringify(input) ?? 'null') } catch { /* cyclic impossible */ } }
      let m: Manifest
      try {
        m = parseManifest(input)
      } catch (err) {
        if (!(err instanceof ManifestError)) throw new Error(`#${i}: ${String(err)} for ${JSON.stringify(input)}`)
        continue
      }
      accepted++
      try { checkInvariants(m) } catch (err) { throw new Error(`#${i}: accepted ${JSON.stringify(input)}: ${String(err)}`) }
    }
    // Both outcomes were exercised.
    expect(accepted).toBeGreaterThan(ITERATIONS * 0.05)
    expect(accepted).toBeLessThan(ITERATIONS * 0.95)
  })
})
