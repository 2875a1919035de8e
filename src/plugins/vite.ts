// `swarmcdn/vite`: publishes a Vite build's output folder once the build is
// written (closeBundle), exactly as `swarmcdn publish <outDir>` would, and adds
// the loader's script tag to every HTML page Vite emits.
import { resolve } from 'node:path'
import type { Plugin, ResolvedConfig } from 'vite'
import { normalizeBase, PLUGIN_NAME, publishOutput, type SwarmcdnPluginOptions } from './options.js'

export type { SwarmcdnPluginOptions } from './options.js'

export interface SwarmcdnViteOptions extends SwarmcdnPluginOptions {
  /** Add `<script src="<base>swarmcdn.js" defer>` to HTML pages that lack it (default true). */
  injectScript?: boolean
}

const LOADER = /<script\b[^>]*\bsrc=["']?[^"'>]*swarmcdn\.js/i

export function swarmcdn (options: SwarmcdnViteOptions = {}): Plugin {
  let config: ResolvedConfig | undefined
  const dirs = new Set<string>()
  const base = (): string => normalizeBase(options.base ?? config?.base)
  // Vite 6+ runs plugins per environment; only the browser build is a site.
  const isClient = (ctx: unknown): boolean => {
    const env = (ctx as { environment?: { name?: string } }).environment
    return env?.name === undefined ? config?.build.ssr === false : env.name === 'client'
  }
  return {
    name: PLUGIN_NAME,
    apply: 'build',
    enforce: 'post',
    configResolved (resolved) { config = resolved },
    transformIndexHtml: {
      order: 'post',
      handler (html) {
        if (options.injectScript === false || LOADER.test(html)) return html
        const b = base()
        const attrs: Record<string, string | boolean> = { src: `${b}swarmcdn.js`, defer: true }
        // The loader's default manifest is /swarmcdn.json; under a base path it is elsewhere.
        if (b !== '/') attrs['data-manifest'] = `${b}swarmcdn.json`
        return [{ tag: 'script', attrs, injectTo: 'head' }]
      }
    },
    writeBundle (output) {
      if (!isClient(this) || config === undefined) return
      dirs.add(resolve(config.root, output.dir ?? config.build.outDir))
    },
    async closeBundle () {
      const pending = [...dirs]
      dirs.clear()
      for (const dir of pending) {
        const result = await publishOutput(dir, options, (m) => { config?.logger.warn(`swarmcdn: ${m}`) })
        config?.logger.info(`swarmcdn: published ${result.files} files (${result.bytes} bytes), infohash ${result.infoHash}`)
      }
    }
  }
}

export default swarmcdn
