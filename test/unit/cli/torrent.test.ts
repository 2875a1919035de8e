// The release torrent through the bencode package: BEP 47 padding, exact
// integers, and a reader that accepts canonical bencode only.
import { describe, it, expect } from 'vitest'
import { createHash } from 'node:crypto'
import bencode from 'bencode'
import { buildTorrent, parseTorrent, TorrentFormatError } from '../../../src/cli/torrent.js'

const pieces = Buffer.alloc(20 * 3, 1)
const files = [{ segments: ['a.bin'], size: 5000 }, { segments: ['img', 'b.bin'], size: 20000 }]

describe('release torrent', () => {
  it('marks padding `attr: "p"` and reads back what it wrote, infohash included', () => {
    const built = buildTorrent({ files, pieceLength: 16384, pieces, trackers: ['/announce', 'wss://t.example/announce'] })
    const parsed = parseTorrent(built.torrent)
    expect(parsed.infoHash).toBe(built.infoHash)
    expect(parsed.files).toEqual([
      { segments: ['a.bin'], size: 5000 },
      { segments: ['.pad', '11384'], size: 11384, attr: 'p' },
      { segments: ['img', 'b.bin'], size: 20000 }
    ])
    const top = bencode.decode(built.torrent) as { announce: Uint8Array, info: unknown }
    expect(Buffer.from(top.announce).toString()).toBe('wss://t.example/announce')
    expect(createHash('sha1').update(bencode.encode(top.info as never)).digest('hex')).toBe(built.infoHash)
  })

  it('refuses a float where an integer belongs (bencode would truncate it)', () => {
    expect(() => buildTorrent({ files: [{ segments: ['a'], size: 1.5 }], pieceLength: 16384, pieces, trackers: [] })).toThrow(/not a safe integer/)
  })

  it('accepts canonical bencode only, with clear reasons', () => {
    const good = buildTorrent({ files, pieceLength: 16384, pieces, trackers: [] }).torrent
    const bad = (b: Buffer | string): Error => {
      try {
        parseTorrent(Buffer.isBuffer(b) ? b : Buffer.from(b, 'latin1'))
      } catch (err) {
        expect(err).toBeInstanceOf(TorrentFormatError)
        return err as Error
      }
      throw new Error('accepted')
    }
    expect(bad(Buffer.concat([good, Buffer.from('i1e')])).message).toMatch(/canonical/)
    expect(bad('d4:infod4:name1:x12:piece lengthi16384e6:pieces0:5:filesleee').message).toMatch(/canonical/)
    expect(bad('d4:infod5:filesle4:name1:x12:piece lengthi016384e6:pieces0:ee').message).toMatch(/canonical|not bencode/)
    expect(bad('5:ab').message).toMatch(/not bencode|info/)
    expect(bad('d4:infod4:name1:x12:piece lengthi16384e6:pieces0:ee').message).toMatch(/multi-file/)
    expect(bad('d4:infod5:filesld6:lengthi1e4:pathli1eeee4:name1:x12:piece lengthi16384e6:pieces0:ee').message).toMatch(/path segment/)
  })
})
