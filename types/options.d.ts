// Options of swarmcdn/vite and swarmcdn/rollup (mirror `swarmcdn publish`'s flags).
// Kept by hand next to src/plugins/options.ts; test/e2e/build-plugins.test.ts checks with tsc that both have the same shape.

export interface PublishResult {
  infoHash: string
  files: number
  bytes: number
  pieces: number
  pieceLength: number
  trackers: string[]
  pages: number
  manifestPath: string
  torrentPath: string
  runtime: string[]
  warnings: string[]
}

export interface SwarmcdnPluginOptions {
  /** `--tracker`: absolute ws(s):// URLs or same-origin paths; default `["/announce"]`. */
  trackers?: string[]
  /** `--include`: only publish files matching these globs (POSIX, relative to the output folder). */
  include?: string[]
  /** `--exclude`: leave out files or folders matching these globs. */
  exclude?: string[]
  /** `--piece-length`: a power of two from 16 KiB to 16 MiB (`65536`, `64k`, `1m`). */
  pieceLength?: number | string
  /** URL path the site is served under (Vite: defaults to the config's `base`). */
  base?: string
  /** false: do not copy swarmcdn.js, swarmcdn-sw.js, swarmcdn-engine.js (`--no-runtime`). */
  runtime?: boolean
  /** Called once per published folder. */
  onPublished?: (result: PublishResult) => void
}
