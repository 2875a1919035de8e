// One config, an array of builds: each runtime is compiled against its own
// tsconfig (dom / webworker / node) so window APIs cannot leak into SW code.
import typescript from '@rollup/plugin-typescript'
import { nodeResolve } from '@rollup/plugin-node-resolve'
import commonjs from '@rollup/plugin-commonjs'
import terser from '@rollup/plugin-terser'
import { builtinModules } from 'node:module'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const pkg = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8'))

// Rollup warnings are errors (house style): a warning is a build we do not understand.
function onwarn (warning) {
  throw new Error(`rollup: ${warning.code ?? ''} ${warning.message}`)
}

/**
 * dist/swarmcdn.d.ts: the types a site owner imports for `window.swarmcdn`'s
 * events (SwarmcdnEventMap) and what they carry, as one self-contained file.
 */
function eventTypes () {
  const files = ['src/shared/rpc.ts', 'src/shared/protocol.ts', 'src/shared/events.ts']
  return {
    name: 'swarmcdn-event-types',
    async generateBundle () {
      const tsc = (await import('typescript')).default
      const parts = files.map((f) => {
        const out = tsc.transpileDeclaration(readFileSync(f, 'utf8'), { fileName: f, compilerOptions: { strict: true } })
        if (out.diagnostics?.length) throw new Error(`${f}: ${out.diagnostics.map((d) => d.messageText).join('; ')}`)
        return `// ${f}\n` + out.outputText.replace(/^import .*$/gm, '')
      })
      this.emitFile({ type: 'asset', fileName: 'swarmcdn.d.ts', source: parts.join('\n') })
    }
  }
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

// Runtime (and optional) dependencies stay imports; everything else is bundled.
const runtimeDeps = [...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.optionalDependencies ?? {})]
// Optional native speed-ups that their importers require inside try/catch
// (ws's C++ helpers): left out of the bundle, so they stay optional.
const optionalNative = ['bufferutil', 'utf-8-validate']
// Runtime dependencies whose version also satisfies every bundled importer
// (bittorrent-tracker and webtorrent ask for ws ^8): one copy, not two.
const sharedWithDeps = ['ws']
// Only our own sources' imports of them count: a bundled package gets the
// version it asked for (webtorrent wants mime 3, we ship mime 4).
function nodeExternal (id, importer) {
  if (id.startsWith('node:') || builtinModules.includes(id) || builtinModules.includes(id.split('/')[0])) return true
  const fromDeps = importer !== undefined && importer.includes('/node_modules/')
  const names = fromDeps ? [...optionalNative, ...sharedWithDeps] : [...runtimeDeps, ...optionalNative]
  return names.some((d) => id === d || id.startsWith(`${d}/`))
}

// webtorrent reaches Node WebRTC through webrtc-polyfill, whose real package
// pulls in node-datachannel (a native build). The bundle takes the local shim
// instead, which re-exports @roamhq/wrtc (an optional dependency).
function shimWebrtcPolyfill () {
  const shim = fileURLToPath(new URL('./shims/webrtc-polyfill/index.js', import.meta.url))
  return {
    name: 'shim-webrtc-polyfill',
    resolveId (id) { return id === 'webrtc-polyfill' ? shim : null }
  }
}

// uTP is a native module (utp-native) that webtorrent loads when present; the
// seeder uses WebRTC only, so the bundle gets what webtorrent's browser build
// gets: an empty object, and no "uTP not supported" warning at load.
function noUtp () {
  const id = '\0no-utp'
  return {
    name: 'no-utp',
    resolveId (source) { return source === 'utp-native' ? id : null },
    load (source) { return source === id ? 'export default {}' : null }
  }
}

// `require('./package.json')` inside bundled CommonJS (webtorrent's version.cjs).
function jsonModules () {
  return {
    name: 'json-modules',
    transform (code, id) { return id.endsWith('.json') ? { code: `export default ${code}`, map: null } : null }
  }
}

// Known, understood warnings from bundled third-party code; anything else fails the build.
function nodeOnwarn (warning) {
  const inDeps = (warning.ids ?? [warning.id ?? '']).every((id) => String(id).includes('/node_modules/'))
  if (warning.code === 'CIRCULAR_DEPENDENCY' && inDeps) return
  if (warning.code === 'THIS_IS_UNDEFINED' && String(warning.id ?? '').includes('/node_modules/')) return
  onwarn(warning)
}

export default [
  {
    // The script tag: tiny, no webtorrent.
    input: 'src/page/index.ts',
    output: { file: 'dist/swarmcdn.js', format: 'iife', sourcemap: false },
    plugins: [...browserPlugins('src/page/tsconfig.json'), eventTypes()],
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
    // The Node side: the CLI plus the build-tool plugins. See docs/packaging.md:
    // everything but the runtime dependencies is bundled, so an install never
    // builds a native module; webtorrent (for `seed`) lands in its own chunk that
    // only a dynamic import loads.
    input: { cli: 'src/cli/index.ts', vite: 'src/plugins/vite.ts', rollup: 'src/plugins/rollup.ts' },
    output: { dir: 'dist', format: 'es', sourcemap: false, entryFileNames: '[name].js', chunkFileNames: 'node/[name].js' },
    external: nodeExternal,
    plugins: [
      shimWebrtcPolyfill(),
      noUtp(),
      jsonModules(),
      ts('src/cli/tsconfig.json'),
      nodeResolve({ preferBuiltins: true, exportConditions: ['node'] }),
      commonjs({ ignoreDynamicRequires: true })
    ],
    onwarn: nodeOnwarn
  },
  {
    // The demo site's live dashboard (chart.js bundled in); not part of the package.
    input: 'demo-site-src/dashboard.ts',
    output: { file: 'demo-site/dashboard.js', format: 'iife', sourcemap: false },
    plugins: browserPlugins('demo-site-src/tsconfig.json'),
    onwarn
  }
]
