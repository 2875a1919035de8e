// Options shared by the Vite and Rollup plugins. They mirror `swarmcdn publish`'s
// flags, so a build config and a CLI call say the same thing the same way.
import { publish, type PublishResult } from '../cli/publish.js'

export interface SwarmcdnPluginOptions {
  /** `--tracker`: absolute ws(s):// URLs or same-origin paths; default `["/announce"]`. */
  trackers?: string[]
  /** `--include`: only publish files matching these globs (POSIX, relative to the output folder). */
  include?: string[]
  /** `--exclude`: leave out files or folders matching these globs. */
  exclude?: string[]
  /** `--piece-length`: a power of two from 16 KiB to 16 MiB (`65536`, `64k`, `1m`). */
  pieceLength?: number | string
  /**
   * URL path the site is served under, where the loader, the service worker
   * and the manifest are. Vite: defaults to the config's `base`. The script tag
   * the Vite plugin adds points there.
   */
  base?: string
  /** `--no-runtime` when false: do not copy swarmcdn.js, swarmcdn-sw.js, swarmcdn-engine.js. */
  runtime?: boolean
  /** Called once per published folder (the CLI prints a summary instead). */
  onPublished?: (result: PublishResult) => void
}

export const PLUGIN_NAME = 'swarmcdn'

/** A base path as the script tag needs it: leading and trailing slash. */
export function normalizeBase (base: string | undefined): string {
  if (base === undefined || base === '' || base === './') return '/'
  let b = base
  // Vite allows a full URL as base (a CDN); only its path names where files are.
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(b)) b = new URL(b).pathname
  if (!b.startsWith('/')) b = `/${b}`
  return b.endsWith('/') ? b : `${b}/`
}

/** Publishes one output folder with the plugin options; failures reject (and so fail the build). */
export async function publishOutput (dir: string, options: SwarmcdnPluginOptions, warn: (message: string) => void): Promise<PublishResult> {
  const result = await publish({
    dir,
    trackers: options.trackers,
    include: options.include,
    exclude: options.exclude,
    pieceLength: options.pieceLength,
    copyRuntime: options.runtime !== false,
    onWarning: warn
  })
  options.onPublished?.(result)
  return result
}
