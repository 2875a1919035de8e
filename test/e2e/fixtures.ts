// Valid media files of a chosen size, so pages decode what they load.
import { deflateSync } from 'node:zlib'
import { bytes } from './harness.js'

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
  return c >>> 0
})

function crc32 (buf: Buffer): number {
  let c = 0xffffffff
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8)
  return (c ^ 0xffffffff) >>> 0
}

function chunk (type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4)
  len.writeUInt32BE(data.length)
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data])
  const crc = Buffer.alloc(4)
  crc.writeUInt32BE(crc32(body))
  return Buffer.concat([len, body, crc])
}

/**
 * A valid 8×8 PNG of exactly `size` bytes: the padding is a private ancillary
 * chunk ("swRm": lowercase first letter = decoders skip it) of seeded bytes.
 */
export function png (size: number, seed: number): Buffer {
  const ihdr = Buffer.alloc(13)
  ihdr.writeUInt32BE(8, 0)
  ihdr.writeUInt32BE(8, 4)
  ihdr[8] = 8 // bit depth
  ihdr[9] = 2 // truecolour
  const raw = Buffer.alloc(8 * (1 + 8 * 3))
  for (let y = 0; y < 8; y++) for (let x = 0; x < 24; x++) raw[y * 25 + 1 + x] = (seed * 37 + x * 11 + y * 5) & 0xff
  const head = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr)])
  const tail = Buffer.concat([chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))])
  const pad = size - head.length - tail.length - 12
  if (pad < 0) throw new Error(`png too small: ${size}`)
  return Buffer.concat([head, chunk('swRm', bytes(pad, seed)), tail])
}
