// Finds this package's own folder (for its version and its built runtime
// files). The CLI runs bundled as `dist/cli.js` and, under tests, from the
// TypeScript sources in `src/cli/`; walking up to the package.json named
// "swarmcdn" works from both.
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { RUNTIME_FILES } from '../shared/manifest.js'
import { CliError } from './errors.js'

const PACKAGE_NAME = 'swarmcdn'

interface PackageInfo { root: string, version: string }

let cached: PackageInfo | null = null

export function packageInfo (): PackageInfo {
  if (cached !== null) return cached
  let dir = dirname(fileURLToPath(import.meta.url))
  for (;;) {
    const candidate = join(dir, 'package.json')
    if (existsSync(candidate)) {
      try {
        const pkg = JSON.parse(readFileSync(candidate, 'utf8')) as { name?: unknown, version?: unknown }
        if (pkg.name === PACKAGE_NAME && typeof pkg.version === 'string') {
          cached = { root: dir, version: pkg.version }
          return cached
        }
      } catch { /* not ours: keep walking up */ }
    }
    const parent = dirname(dir)
    if (parent === dir) throw new Error(`cannot find the ${PACKAGE_NAME} package folder above ${fileURLToPath(import.meta.url)}`)
    dir = parent
  }
}

/** Absolute paths of the built runtime files, or a CliError when the package is not built. */
export function runtimeSources (from?: string): Array<{ name: string, path: string }> {
  const dist = from ?? join(packageInfo().root, 'dist')
  const files = RUNTIME_FILES.map((name) => ({ name, path: join(dist, name) }))
  const missing = files.filter((f) => !existsSync(f.path)).map((f) => f.name)
  if (missing.length > 0) {
    throw new CliError('runtime-missing', `runtime file(s) ${missing.join(', ')} missing from ${dist}; run \`npm run build\` in the swarmcdn package first (or pass --no-runtime)`)
  }
  return files
}
