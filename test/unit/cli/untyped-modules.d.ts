// Test-only declarations for the untyped packages the CLI tests cross-check against.
declare module 'create-torrent' {
  interface CreateTorrentOptions {
    name?: string
    pieceLength?: number
    announceList?: string[][]
    createdBy?: string
    creationDate?: Date | number
    private?: boolean
  }
  type Input = Uint8Array & { name?: string }
  export default function createTorrent (input: Input[], opts: CreateTorrentOptions, cb: (err: Error | null, torrent: Uint8Array) => void): void
}

declare module 'parse-torrent' {
  interface ParsedTorrentFile { path: string, name: string, length: number, offset: number }
  interface ParsedTorrent {
    infoHash: string
    name: string
    announce: string[]
    files: ParsedTorrentFile[]
    length: number
    pieceLength: number
    lastPieceLength: number
    pieces: string[]
  }
  export default function parseTorrent (id: Uint8Array | string): Promise<ParsedTorrent>
}

declare module 'bencode' {
  const bencode: { encode: (value: unknown) => Uint8Array, decode: (data: Uint8Array) => unknown }
  export default bencode
}
