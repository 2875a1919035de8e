// A small, strict bencoder (BEP 3). Dictionary keys are sorted as raw byte
// strings, which is what makes the info dict — and so the infohash —
// deterministic. Only what torrents need: integers, byte strings, lists, dicts.

export type BValue = number | string | Uint8Array | BValue[] | BDict
export interface BDict { [key: string]: BValue }

function encodeInto (value: BValue, out: Buffer[]): void {
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) throw new TypeError(`bencode: ${value} is not a safe integer`)
    out.push(Buffer.from(`i${value}e`, 'ascii'))
  } else if (typeof value === 'string' || value instanceof Uint8Array) {
    const bytes = typeof value === 'string' ? Buffer.from(value, 'utf8') : value
    out.push(Buffer.from(`${bytes.length}:`, 'ascii'), Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength))
  } else if (Array.isArray(value)) {
    out.push(Buffer.from('l', 'ascii'))
    for (const item of value) encodeInto(item, out)
    out.push(Buffer.from('e', 'ascii'))
  } else {
    out.push(Buffer.from('d', 'ascii'))
    const keys = Object.keys(value)
      .map((k) => [k, Buffer.from(k, 'utf8')] as const)
      .sort((a, b) => Buffer.compare(a[1], b[1]))
    for (const [key, bytes] of keys) {
      const v = value[key]
      if (v === undefined) continue
      encodeInto(bytes, out)
      encodeInto(v, out)
    }
    out.push(Buffer.from('e', 'ascii'))
  }
}

export function bencode (value: BValue): Buffer {
  const out: Buffer[] = []
  encodeInto(value, out)
  return Buffer.concat(out)
}

/** Decoded value: byte strings stay Buffers (names are decoded by the caller). */
export type DValue = number | Buffer | DValue[] | DDict
export interface DDict { [key: string]: DValue }

export class BencodeError extends Error {
  override name = 'BencodeError'
}

export interface Decoded {
  value: DValue
  /** Raw bytes of the top-level dict's `info` value, when there is one (its SHA-1 is the infohash). */
  info: Buffer | null
}

export function bdecode (data: Buffer): Decoded {
  let pos = 0
  let info: Buffer | null = null
  const fail = (msg: string): never => { throw new BencodeError(`bencode: ${msg} at byte ${pos}`) }
  const digits = (end: number): number => {
    const text = data.toString('ascii', pos, end)
    if (!/^(0|-?[1-9][0-9]*)$/.test(text)) fail(`bad integer ${JSON.stringify(text)}`)
    const n = Number(text)
    if (!Number.isSafeInteger(n)) fail('integer too large')
    return n
  }
  const value = (depth: number): DValue => {
    if (depth > 64) fail('nesting too deep')
    const c = data[pos]
    if (c === undefined) fail('unexpected end')
    if (c === 0x69) { // i
      pos++
      const end = data.indexOf(0x65, pos)
      if (end < 0) fail('unterminated integer')
      const n = digits(end)
      pos = end + 1
      return n
    }
    if (c >= 0x30 && c <= 0x39) {
      const colon = data.indexOf(0x3a, pos)
      if (colon < 0) fail('unterminated string length')
      const len = digits(colon)
      if (len < 0) fail('negative string length')
      pos = colon + 1
      if (pos + len > data.length) fail('string runs past the end')
      const bytes = data.subarray(pos, pos + len)
      pos += len
      return bytes
    }
    if (c === 0x6c) { // l
      pos++
      const list: DValue[] = []
      while (data[pos] !== 0x65) {
        if (pos >= data.length) fail('unterminated list')
        list.push(value(depth + 1))
      }
      pos++
      return list
    }
    if (c === 0x64) { // d
      pos++
      const dict: DDict = Object.create(null) as DDict
      let prev: Buffer | null = null
      while (data[pos] !== 0x65) {
        if (pos >= data.length) fail('unterminated dict')
        const key = value(depth + 1)
        if (!Buffer.isBuffer(key)) fail('dict key is not a string')
        const k = key as Buffer
        if (prev !== null && Buffer.compare(prev, k) >= 0) fail('dict keys not sorted')
        prev = k
        const start = pos
        const v = value(depth + 1)
        if (depth === 0 && k.toString('latin1') === 'info') info = data.subarray(start, pos)
        dict[k.toString('utf8')] = v
      }
      pos++
      return dict
    }
    return fail(`unexpected byte 0x${c.toString(16)}`)
  }
  const v = value(0)
  if (pos !== data.length) fail('trailing bytes')
  return { value: v, info }
}
