// The page graph at run time: which page a location is, and in what order the
// assets of other pages are worth fetching from peers ahead of navigation.
import type { Manifest } from './manifest.js'

const INDEX_FILE = /^index\.html?$/i

/**
 * Canonical page key. Rule: an index page is keyed by its folder with a
 * trailing slash (`/index.html` → `/`, `/docs/index.htm` → `/docs/`), since
 * that is the URL people link to and servers answer; every other page is
 * keyed by its own URL path (`/page2.html`). The runtime maps a location the
 * same way: a pathname ending in `/` is looked up as is, and
 * `/dir/index.html` is looked up as `/dir/`.
 */
export function pageKey (urlPath: string): string {
  const slash = urlPath.lastIndexOf('/')
  return INDEX_FILE.test(urlPath.slice(slash + 1)) ? urlPath.slice(0, slash + 1) : urlPath
}

/** The manifest page a location's pathname is, if any (`/docs` and `/x` also find `/docs/` and `/x.html`). */
export function findPage (manifest: Manifest, pathname: string): string | null {
  const pages = manifest.pages
  if (!pages) return null
  for (const k of [pageKey(pathname), pathname + '/', pathname + '.html', pathname + '.htm']) {
    if (k in pages) return k
  }
  return null
}

/**
 * Assets to prefetch from `current`: pages by link distance (nearest first,
 * each in document order), then the rest of the site's page assets by how many
 * pages reference them, then assets no tag references (scripts fetch them).
 * The current page's own assets are left out: the page already asked for them.
 * Nothing is planned for a page with no links to other known pages.
 */
export function prefetchPlan (manifest: Manifest, current: string | null): string[] {
  const pages = manifest.pages ?? {}
  // Prefetch serves navigation: a page that links nowhere (or is not a known
  // page) has no next page, and its own requests should meet the swarm live.
  if (!current || !pages[current]?.links.some((l) => l !== current && l in pages)) return []
  const out: string[] = []
  const seen = new Set<string>(current && pages[current] ? pages[current].assets : [])
  const take = (path: string): void => {
    if (!seen.has(path) && path in manifest.assets) { seen.add(path); out.push(path) }
  }
  if (current && pages[current]) {
    const visited = new Set<string>([current])
    let frontier = [current]
    while (frontier.length) {
      const next: string[] = []
      for (const p of frontier) {
        for (const link of pages[p]?.links ?? []) {
          if (visited.has(link) || !pages[link]) continue
          visited.add(link)
          next.push(link)
        }
      }
      for (const p of next) for (const a of pages[p]!.assets) take(a)
      frontier = next
    }
  }
  const refs = new Map<string, number>()
  for (const p of Object.values(pages)) for (const a of p.assets) refs.set(a, (refs.get(a) ?? 0) + 1)
  const rest = [...refs.entries()].sort((x, y) => y[1] - x[1] || (x[0] < y[0] ? -1 : 1))
  for (const [a] of rest) take(a)
  // Assets only scripts ask for appear in no tag; they come last, smallest first.
  const unreferenced = Object.keys(manifest.assets).filter((a) => !seen.has(a))
  unreferenced.sort((x, y) => manifest.assets[x]!.size - manifest.assets[y]!.size || (x < y ? -1 : 1))
  for (const a of unreferenced) take(a)
  return out
}
