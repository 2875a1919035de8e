// Test-only declaration: the engine tests drive real bittorrent-protocol wires
// through the slice of the Wire type the engine itself declares.
declare module 'bittorrent-protocol' {
  const Wire: new () => unknown
  export default Wire
}

declare module 'torrent-piece' {
  export default class Piece {
    constructor (length: number)
    reserve (): number
    set (i: number, data: Uint8Array, source: unknown): boolean
    flush (): Uint8Array | null
  }
}
