// The kill switch needs nothing but the flag (issue 18).
import { describe, expect, it } from 'vitest'
import { ManifestError, parseManifest } from '../../../src/shared/manifest.js'

describe('parseManifest and the kill switch', () => {
  it('{"disabled": true} alone is a kill switch', () => {
    const m = parseManifest({ disabled: true })
    expect(m.disabled).toBe(true)
    expect(m.assets).toEqual({})
  })
  it('a kill switch in an otherwise broken manifest still fires', () => {
    expect(parseManifest({ version: 99, disabled: true, assets: 'x' }).disabled).toBe(true)
  })
  it('a valid manifest with the flag keeps its release', () => {
    const valid = { version: 1, infoHash: 'a'.repeat(40), torrent: 'swarmcdn/x.torrent', pieceLength: 16384, trackers: ['/announce'], disabled: true, assets: { '/a.js': { size: 3, type: 'text/javascript', integrity: `sha256-${'A'.repeat(43)}=`, offset: 0 } } }
    const m = parseManifest(valid)
    expect(m.disabled).toBe(true)
    expect(m.infoHash).toBe('a'.repeat(40))
    expect(Object.keys(m.assets)).toEqual(['/a.js'])
  })
  it('anything else that is not a valid manifest is still refused', () => {
    for (const bad of [{ disabled: false }, { disabled: 'true' }, { disabled: 1 }, [{ disabled: true }], null]) {
      expect(() => parseManifest(bad)).toThrow(ManifestError)
    }
  })
})
