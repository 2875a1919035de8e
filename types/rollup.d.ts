import type { Plugin } from 'rollup'
import type { SwarmcdnPluginOptions } from './options.js'

export type { SwarmcdnPluginOptions, PublishResult } from './options.js'

/** Publishes every output folder once the build is written (writeBundle, then closeBundle). */
export declare function swarmcdn (options?: SwarmcdnPluginOptions): Plugin
export default swarmcdn
