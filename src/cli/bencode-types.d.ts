// Types for the part of the `bencode` package (v4, ships none) that we use.
declare module 'bencode' {
  export type Encodable = number | string | Uint8Array | Encodable[] | { [key: string]: Encodable }
  interface Bencode {
    /** Dictionary keys are written sorted; byte strings stay bytes. */
    encode: (value: Encodable) => Uint8Array
    /** Byte strings come back as Uint8Array, integers as numbers; throws on malformed input. */
    decode: (data: Uint8Array) => unknown
  }
  const bencode: Bencode
  export default bencode
}
