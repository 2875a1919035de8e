// URL references in CSS text: `url(...)` and `@import`, in source order.
// Regex-level, not a CSS parser: comments are removed first; CSS escapes in
// URLs are rare in shipped CSS and are left as written.

export interface CssRefs {
  /** Every referenced URL in order, imports included. */
  urls: string[]
  /** The subset that are `@import`ed stylesheets. */
  imports: string[]
}

const COMMENT = /\/\*[\s\S]*?(?:\*\/|$)/g
// Either `@import "x"` / `@import 'x'` / `@import url(x)`, or any `url(x)`.
const REF = /@import\s+(?:url\(\s*(?:"([^"]*)"|'([^']*)'|([^)\s]*))\s*\)|"([^"]*)"|'([^']*)')|url\(\s*(?:"([^"]*)"|'([^']*)'|([^)\s]*))\s*\)/gi

export function cssRefs (css: string): CssRefs {
  const text = css.replace(COMMENT, ' ')
  const urls: string[] = []
  const imports: string[] = []
  for (const m of text.matchAll(REF)) {
    const imported = m[1] ?? m[2] ?? m[3] ?? m[4] ?? m[5]
    const url = (imported ?? m[6] ?? m[7] ?? m[8] ?? '').trim()
    if (url === '') continue
    urls.push(url)
    if (imported !== undefined) imports.push(url)
  }
  return { urls, imports }
}
