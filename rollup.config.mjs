// One config, an array of builds: each runtime is compiled against its own
// tsconfig (dom / webworker / node) so window APIs cannot leak into SW code.
import typescript from '@rollup/plugin-typescript'
import { nodeResolve } from '@rollup/plugin-node-resolve'
import commonjs from '@rollup/plugin-commonjs'
import terser from '@rollup/plugin-terser'
import { builtinModules } from 'node:module'
import { readFileSync } from 'node:fs'

const pkg = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8'))

// Rollup warnings are errors (house style): a warning is a build we do not understand.
function onwarn (warning) {
  throw new Error(`rollup: ${warning.code ?? ''} ${warning.message}`)
}

const ts = (tsconfig) => typescript({ tsconfig, noEmit: false, noEmitOnError: true, outputToFilesystem: false })

// SWARMCDN_NO_MINIFY=1 keeps names readable in CPU profiles of the browser code.
const minify = process.env.SWARMCDN_NO_MINIFY !== '1'

const browserPlugins = (tsconfig) => [
  ts(tsconfig),
  nodeResolve({ browser: true, preferBuiltins: false }),
  commonjs(),
  ...(minify ? [terser({ format: { comments: false } })] : [])
]

export default [
  {
    // The script tag: tiny, no webtorrent.
    input: 'src/page/index.ts',
    output: { file: 'dist/swarmcdn.js', format: 'iife', sourcemap: false },
    plugins: browserPlugins('src/page/tsconfig.json'),
    onwarn
  },
  {
    input: 'sw/index.ts',
    output: { file: 'dist/swarmcdn-sw.js', format: 'iife', sourcemap: false },
    plugins: browserPlugins('sw/tsconfig.json'),
    onwarn
  },
  {
    // Lazily imported by the loader in the leader tab only.
    input: 'src/engine/index.ts',
    output: { file: 'dist/swarmcdn-engine.js', format: 'es', sourcemap: false },
    plugins: browserPlugins('src/engine/tsconfig.json'),
    onwarn
  },
  {
    input: 'src/cli/index.ts',
    output: { file: 'dist/cli.js', format: 'es', sourcemap: false },
    external: [
      ...builtinModules, ...builtinModules.map((m) => `node:${m}`),
      ...Object.keys(pkg.dependencies), /^bittorrent-tracker\//
    ],
    plugins: [ts('src/cli/tsconfig.json')],
    onwarn
  },
  {
    // The demo site's live dashboard (chart.js bundled in); not part of the package.
    input: 'demo-site-src/dashboard.ts',
    output: { file: 'demo-site/dashboard.js', format: 'iife', sourcemap: false },
    plugins: browserPlugins('demo-site-src/tsconfig.json'),
    onwarn
  }
]
