// `swarmcdn/rollup`: publishes a Rollup build's output folder(s) once the
// build is written, exactly as `swarmcdn publish <dir>` would.
import { dirname, resolve } from 'node:path'
import type { Plugin } from 'rollup'
import { PLUGIN_NAME, publishOutput, type SwarmcdnPluginOptions } from './options.js'

export type { SwarmcdnPluginOptions } from './options.js'

export function swarmcdn (options: SwarmcdnPluginOptions = {}): Plugin {
  // One build may write several outputs; each folder is published once, after
  // all of them are on disk (closeBundle), so the manifest sees every file.
  const dirs = new Set<string>()
  return {
    name: PLUGIN_NAME,
    writeBundle (output) {
      const dir = output.dir ?? (output.file !== undefined ? dirname(output.file) : undefined)
      if (dir !== undefined) dirs.add(resolve(dir))
    },
    async closeBundle () {
      const pending = [...dirs]
      dirs.clear()
      for (const dir of pending) await publishOutput(dir, options, (m) => { this.warn(m) })
    }
  }
}

export default swarmcdn
