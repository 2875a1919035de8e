import { describe, expect, it } from 'vitest'
import { bdecode, bencode } from '../../../src/cli/bencode.js'

describe('bencode', () => {
  it('encodes with dictionary keys sorted as raw bytes', () => {
    expect(bencode({ zeta: 1, 'piece length': 2, a: 'x', Z: [1, 'ü'] }).toString('latin1'))
      .toBe('d1:Zli1e2:\u00c3\u00bce1:a1:x12:piece lengthi2e4:zetai1ee')
    expect(bencode(new Uint8Array([0, 255])).equals(Buffer.from([0x32, 0x3a, 0, 255]))).toBe(true)
    expect(() => bencode(1.5)).toThrow(/not a safe integer/)
  })

  it('decodes strictly and returns the raw info bytes', () => {
    const data = bencode({ announce: 'wss://x', info: { name: 'swarmcdn', 'piece length': 16384 } })
    const { value, info } = bdecode(data)
    expect(info?.toString('latin1')).toBe('d4:name8:swarmcdn12:piece lengthi16384ee')
    expect((value as Record<string, unknown>).announce).toEqual(Buffer.from('wss://x'))
    expect(() => bdecode(Buffer.from('d1:bi1e1:ai2ee'))).toThrow(/not sorted/)
    expect(() => bdecode(Buffer.from('i01e'))).toThrow(/bad integer/)
    expect(() => bdecode(Buffer.from('5:ab'))).toThrow(/past the end/)
    expect(() => bdecode(Buffer.from('i1ei2e'))).toThrow(/trailing/)
  })
})
