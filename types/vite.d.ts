import type { Plugin } from 'vite'
import type { SwarmcdnPluginOptions } from './options.js'

export type { SwarmcdnPluginOptions, PublishResult } from './options.js'

export interface SwarmcdnViteOptions extends SwarmcdnPluginOptions {
  /** Add `<script src="<base>swarmcdn.js" defer>` to HTML pages that lack it (default true). */
  injectScript?: boolean
}

/** Publishes the build output (closeBundle) and adds the loader's script tag to the HTML pages. */
export declare function swarmcdn (options?: SwarmcdnViteOptions): Plugin
export default swarmcdn
