// The page graph (`pages` in the manifest): for every HTML page in the tree,
// which assets it loads and which same-site pages it links to, so the runtime
// can prefetch the next page's assets from peers.
import { readFileSync } from 'node:fs'
import type { ManifestPage } from '../shared/manifest.js'
import { pageKey } from '../shared/pages.js'
import { cssRefs } from './css.js'
import { tokenize } from './html.js'
import type { TreeFile } from './walk.js'

/** Stand-in origin to resolve relative URLs; only same-origin results count. */
const SITE = 'http://swarmcdn.invalid'

/** Pages or stylesheets bigger than this are not scanned (a warning says so). */
const MAX_SCAN_BYTES = 8 * 1024 * 1024

/** `@import` chains are followed this deep; real sites use one or two levels. */
const MAX_IMPORT_DEPTH = 8

const LINK_ASSET_RELS = new Set(['stylesheet', 'preload', 'modulepreload', 'icon', 'apple-touch-icon'])

export { pageKey } from '../shared/pages.js'

/** Parses `srcset` candidates (HTML "parse a srcset attribute", URLs only). */
export function srcsetUrls (srcset: string): string[] {
  const urls: string[] = []
  let i = 0
  const n = srcset.length
  while (i < n) {
    while (i < n && (/\s/.test(srcset[i]) || srcset[i] === ',')) i++
    if (i >= n) break
    let j = i
    while (j < n && !/\s/.test(srcset[j])) j++
    let url = srcset.slice(i, j)
    i = j
    if (url.endsWith(',')) {
      url = url.replace(/,+$/, '')
    } else {
      // Skip descriptors up to the next comma outside parentheses.
      let depth = 0
      while (i < n && !(srcset[i] === ',' && depth === 0)) {
        if (srcset[i] === '(') depth++
        else if (srcset[i] === ')' && depth > 0) depth--
        i++
      }
    }
    if (url !== '') urls.push(url)
  }
  return urls
}

/**
 * The tree path (URL path under the site's base) of `ref` resolved against
 * `base`, or null for another origin or a path outside the base. A site
 * published with `--base /docs/` is served under /docs/, so its pages link
 * `/docs/guide.html` or `../docs/guide.html` for the tree's `/guide.html`,
 * and a `/blog/` link is another site's business.
 */
function resolvePath (ref: string, base: string, prefix: string): string | null {
  const trimmed = ref.trim()
  if (trimmed === '') return null
  try {
    const u = new URL(trimmed, base)
    if (u.origin !== SITE) return null
    if (prefix === '') return u.pathname
    // `/docs` is the base's own index, as a server redirects it to `/docs/`.
    if (u.pathname === prefix) return '/'
    return u.pathname.startsWith(prefix + '/') ? u.pathname.slice(prefix.length) : null
  } catch {
    return null
  }
}

export interface PageGraphInput {
  pages: readonly TreeFile[]
  /** Manifest assets by URL path (in the tree, without the base). */
  assets: ReadonlyMap<string, TreeFile>
  /** The URL path the tree is served under, without its trailing slash (`/docs`; '' for the root). */
  base?: string
  warn: (message: string) => void
}

function readText (file: TreeFile, what: string, warn: (m: string) => void): string | null {
  if (file.size > MAX_SCAN_BYTES) {
    warn(`${what} ${file.urlPath} is larger than ${MAX_SCAN_BYTES / 1024 / 1024} MiB; not scanned for the page graph`)
    return null
  }
  let text: string
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(readFileSync(file.abs))
  } catch (err) {
    const why = err instanceof TypeError ? 'not valid UTF-8' : ((err as NodeJS.ErrnoException).code ?? String(err))
    warn(`${what} ${file.urlPath} skipped in the page graph (${why})`)
    return null
  }
  if (text.includes('\u0000')) {
    warn(`${what} ${file.urlPath} skipped in the page graph (binary content)`)
    return null
  }
  return text
}

export function buildPageGraph (input: PageGraphInput): Record<string, ManifestPage> {
  const { assets, warn } = input
  const prefix = input.base ?? ''
  /** A tree path's URL on the stand-in origin: where the page or stylesheet is really served. */
  const served = (path: string): string => SITE + prefix + path

  // URL path (file path or canonical key) → canonical key. `index.html` wins
  // over `index.htm` in the same folder, as with common server defaults.
  const ordered = [...input.pages].sort((a, b) => Number(/\.htm$/i.test(a.urlPath)) - Number(/\.htm$/i.test(b.urlPath)))
  const keyOf = new Map<string, string>()
  const pageFiles = new Map<string, TreeFile>()
  for (const page of ordered) {
    const key = pageKey(page.urlPath)
    if (!pageFiles.has(key)) pageFiles.set(key, page)
    keyOf.set(key, key)
    keyOf.set(page.urlPath, key)
  }
  const linkTarget = (path: string): string | null => {
    const candidates = path.endsWith('/')
      ? [path, `${path}index.html`, `${path}index.htm`]
      : [path, `${path}/`, `${path}.html`, `${path}.htm`]
    for (const c of candidates) {
      const key = keyOf.get(c)
      if (key !== undefined) return key
    }
    return null
  }

  // Stylesheet URL path → asset paths it pulls in (itself excluded), memoised.
  const cssCache = new Map<string, string[]>()
  const stylesheetAssets = (path: string, depth: number, seen: Set<string>): string[] => {
    const cached = cssCache.get(path)
    if (cached !== undefined) return cached
    const file = assets.get(path)
    if (file === undefined || depth > MAX_IMPORT_DEPTH || seen.has(path)) return []
    seen.add(path)
    const text = readText(file, 'stylesheet', warn)
    const out = text === null ? [] : cssAssets(text, served(path), depth, seen)
    cssCache.set(path, out)
    return out
  }
  const cssAssets = (css: string, base: string, depth: number, seen: Set<string>): string[] => {
    const { urls, imports } = cssRefs(css)
    const importSet = new Set(imports)
    const out: string[] = []
    for (const ref of urls) {
      const path = resolvePath(ref, base, prefix)
      if (path === null || !assets.has(path)) continue
      out.push(path)
      if (importSet.has(ref)) out.push(...stylesheetAssets(path, depth + 1, seen))
    }
    return out
  }

  const graph: Record<string, ManifestPage> = {}
  for (const [key, page] of [...pageFiles.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))) {
    const html = readText(page, 'page', warn)
    if (html === null) continue
    let base = served(page.urlPath)
    const found: string[] = []
    const links: string[] = []
    const addUrl = (ref: string | undefined): void => {
      if (ref === undefined) return
      const path = resolvePath(ref, base, prefix)
      if (path !== null && assets.has(path)) found.push(path)
    }
    const addStylesheet = (ref: string | undefined): void => {
      if (ref === undefined) return
      const path = resolvePath(ref, base, prefix)
      if (path === null || !assets.has(path)) return
      found.push(path, ...stylesheetAssets(path, 0, new Set()))
    }
    let sawBase = false
    for (const token of tokenize(html)) {
      if (token.kind === 'style') {
        found.push(...cssAssets(token.css, base, 0, new Set()))
        continue
      }
      const { name, attrs } = token
      const style = attrs.get('style')
      if (style !== undefined) found.push(...cssAssets(style, base, 0, new Set()))
      switch (name) {
        case 'base': {
          // Only the first <base href> counts (HTML "frozen base URL").
          const href = attrs.get('href')
          if (!sawBase && href !== undefined) {
            sawBase = true
            try { base = new URL(href, base).href } catch { /* keep the page URL */ }
          }
          break
        }
        case 'img':
        case 'source':
          addUrl(attrs.get('src'))
          for (const u of srcsetUrls(attrs.get('srcset') ?? '')) addUrl(u)
          break
        case 'script':
        case 'audio':
        case 'track':
        case 'embed':
          addUrl(attrs.get('src'))
          break
        case 'video':
          addUrl(attrs.get('poster'))
          addUrl(attrs.get('src'))
          break
        case 'link': {
          const rels = (attrs.get('rel') ?? '').toLowerCase().split(/\s+/)
          if (rels.includes('stylesheet')) {
            addStylesheet(attrs.get('href'))
          } else if (rels.some((r) => LINK_ASSET_RELS.has(r))) {
            addUrl(attrs.get('href'))
            for (const u of srcsetUrls(attrs.get('imagesrcset') ?? '')) addUrl(u)
          }
          break
        }
        case 'a':
        case 'area': {
          const href = attrs.get('href')
          const path = href === undefined ? null : resolvePath(href, base, prefix)
          const target = path === null ? null : linkTarget(path)
          if (target !== null && target !== key) links.push(target)
          break
        }
      }
    }
    graph[key] = { assets: [...new Set(found)], links: [...new Set(links)] }
  }
  return graph
}
