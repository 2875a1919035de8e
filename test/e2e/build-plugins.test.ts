// swarmcdn/vite and swarmcdn/rollup as a site's build uses them: a real small
// Vite app and a real Rollup build in a temp project whose node_modules/swarmcdn
// is this package (its "exports", its dist/), built by the tools' own CLIs.
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { spawn } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { mkdtemp, mkdir, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { prng } from '../unit/fuzz/prng.js'
import type { SwarmcdnPluginOptions as Published } from '../../types/options.js'
import type { SwarmcdnViteOptions } from '../../types/vite.js'
import type { SwarmcdnPluginOptions as Source } from '../../src/plugins/options.js'

// The hand-written types users see and the options the source takes are the same shape (checked by tsc).
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false
const typesMatch: Same<Required<Omit<Published, 'onPublished'>>, Required<Omit<Source, 'onPublished'>>> = true
void typesMatch
void ({ injectScript: false, pieceLength: '64k' } satisfies SwarmcdnViteOptions)

const repo = fileURLToPath(new URL('../../', import.meta.url))
const RUNTIME = ['swarmcdn.js', 'swarmcdn-sw.js', 'swarmcdn-engine.js']

interface Manifest {
  infoHash: string
  torrent: string
  pieceLength: number
  trackers: string[]
  assets: Record<string, { size: number, integrity: string }>
  pages: Record<string, { assets: string[] }>
}

function run (args: string[], cwd: string): Promise<{ code: number | null, out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    child.stdout.on('data', (d: Buffer) => { out += d.toString() })
    child.stderr.on('data', (d: Buffer) => { out += d.toString() })
    child.on('error', reject)
    child.on('close', (code) => { resolve({ code, out }) })
  })
}

let tmp: string

/** A project folder whose node_modules holds this package and the build tool. */
async function project (name: string, tool: string): Promise<string> {
  const dir = join(tmp, name)
  await mkdir(join(dir, 'node_modules'), { recursive: true })
  await writeFile(join(dir, 'package.json'), JSON.stringify({ name, private: true, type: 'module' }))
  await symlink(repo, join(dir, 'node_modules/swarmcdn'))
  await symlink(join(repo, 'node_modules', tool), join(dir, 'node_modules', tool))
  return dir
}

const manifestOf = (dir: string): Manifest => JSON.parse(readFileSync(join(dir, 'swarmcdn.json'), 'utf8')) as Manifest

function bytes (n: number, seed: number): Buffer {
  const rnd = prng(seed)
  return Buffer.from(Array.from({ length: n }, () => Math.floor(rnd() * 256)))
}

beforeAll(async () => {
  for (const f of ['cli.js', 'vite.js', 'rollup.js', ...RUNTIME]) {
    if (!existsSync(join(repo, 'dist', f))) throw new Error(`dist/${f} is missing: run \`npm run build\` before this test`)
  }
  tmp = await mkdtemp(join(tmpdir(), 'swarmcdn-plugins-'))
})
afterAll(async () => {
  if (tmp !== undefined) await rm(tmp, { recursive: true, force: true })
})

describe('swarmcdn/vite', () => {
  it('publishes a Vite app\'s output with the options given, and adds the loader tag', async () => {
    const app = await project('vite-app', 'vite')
    const photo = bytes(300_000, 3)
    await mkdir(join(app, 'public'))
    await writeFile(join(app, 'public/photo.bin'), photo)
    await writeFile(join(app, 'public/logo.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>')
    await writeFile(join(app, 'index.html'), '<!doctype html><html><head><title>app</title><script type="module" src="/main.js"></script></head><body><img src="/photo.bin"><a href="/about.html">about</a></body></html>')
    await writeFile(join(app, 'about.html'), '<!doctype html><html><head><script type="module" src="/main.js"></script></head><body>about</body></html>')
    await writeFile(join(app, 'main.js'), "import './style.css'\ndocument.body.dataset.ready = 'yes'\n")
    await writeFile(join(app, 'style.css'), 'body { color: rebeccapurple }\n')
    await writeFile(join(app, 'vite.config.js'), `
import { resolve } from 'node:path'
import swarmcdn from 'swarmcdn/vite'
export default {
  logLevel: 'warn',
  build: { rollupOptions: { input: { main: resolve('index.html'), about: resolve('about.html') } } },
  plugins: [swarmcdn({ pieceLength: '64k', trackers: ['/announce', 'wss://tracker.example/announce'], exclude: ['**/*.svg'] })]
}
`)
    const r = await run([join(app, 'node_modules/vite/bin/vite.js'), 'build'], app)
    expect(r.code, r.out).toBe(0)

    const dist = join(app, 'dist')
    const m = manifestOf(dist)
    expect(existsSync(join(dist, m.torrent))).toBe(true)
    expect(m.torrent).toBe(`swarmcdn/${m.infoHash}.torrent`)
    for (const f of RUNTIME) expect(existsSync(join(dist, f)), f).toBe(true)
    expect(m.pieceLength).toBe(64 * 1024)
    expect(m.trackers).toEqual(['/announce', 'wss://tracker.example/announce'])
    const paths = Object.keys(m.assets)
    expect(paths).toContain('/photo.bin')
    expect(paths).not.toContain('/logo.svg')
    const js = paths.filter((p) => /^\/assets\/.+\.js$/.test(p))
    const css = paths.filter((p) => /^\/assets\/.+\.css$/.test(p))
    expect(js.length).toBeGreaterThan(0)
    expect(css.length).toBe(1)
    // The page graph sees Vite's emitted tags: the hashed bundle, its CSS, the image, the link.
    expect(m.pages['/']!.assets).toEqual(expect.arrayContaining(['/photo.bin', css[0], js[0]]))
    const html = readFileSync(join(dist, 'index.html'), 'utf8')
    expect(html).toMatch(/<script src="\/swarmcdn\.js" defer><\/script>/)
    expect(readFileSync(join(dist, 'about.html'), 'utf8')).toContain('/swarmcdn.js')

    // What the plugin wrote is what the CLI verifies.
    const v = await run([join(repo, 'bin/swarmcdn.js'), 'verify', dist], app)
    expect(v.code, v.out).toBe(0)
  })

  it('fails the build with publish\'s own message on a bad option', async () => {
    const app = await project('vite-bad', 'vite')
    await writeFile(join(app, 'index.html'), '<!doctype html><script type="module" src="/main.js"></script>')
    await writeFile(join(app, 'main.js'), 'console.log(1)\n')
    await writeFile(join(app, 'vite.config.js'), "import swarmcdn from 'swarmcdn/vite'\nexport default { logLevel: 'silent', plugins: [swarmcdn({ pieceLength: 1000 })] }\n")
    const r = await run([join(app, 'node_modules/vite/bin/vite.js'), 'build'], app)
    expect(r.code).not.toBe(0)
    expect(r.out).toMatch(/invalid piece length 1000/)
    expect(existsSync(join(app, 'dist/swarmcdn.json'))).toBe(false)
  })
})

describe('swarmcdn/rollup', () => {
  it('publishes the output folder after every output is written', async () => {
    const app = await project('rollup-app', 'rollup')
    await mkdir(join(app, 'src'))
    await writeFile(join(app, 'src/a.js'), "import { b } from './b.js'\nconsole.log(b)\n")
    await writeFile(join(app, 'src/b.js'), "export const b = 'b'\n")
    await writeFile(join(app, 'rollup.config.mjs'), `
import swarmcdn from 'swarmcdn/rollup'
export default {
  input: 'src/a.js',
  output: [{ dir: 'public', format: 'es' }, { dir: 'public', format: 'es', entryFileNames: '[name].legacy.js' }],
  plugins: [swarmcdn({ include: ['**/*.js'] })]
}
`)
    const r = await run([join(app, 'node_modules/rollup/dist/bin/rollup'), '-c'], app)
    expect(r.code, r.out).toBe(0)
    const m = manifestOf(join(app, 'public'))
    expect(Object.keys(m.assets).sort()).toEqual(['/a.js', '/a.legacy.js'])
    expect(m.trackers).toEqual(['/announce'])
    for (const f of RUNTIME) expect(existsSync(join(app, 'public', f)), f).toBe(true)
  })
})
