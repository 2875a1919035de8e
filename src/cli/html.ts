// A forgiving HTML start-tag tokenizer: enough to find the URLs a page loads,
// never throws on malformed markup. It follows the parts of the HTML
// tokenizer that change which tags exist: comments, raw-text elements whose
// contents are not markup (script, style, textarea, ...), quoted attributes,
// first-attribute-wins, character references in attribute values.

export type HtmlToken =
  | { kind: 'tag', name: string, attrs: Map<string, string> }
  | { kind: 'style', css: string }

/**
 * Elements whose content is text, not tags. `noscript` is included because a
 * browser with scripting on (the only one swarmcdn runs in) treats it so.
 */
const RAW_TEXT = new Set(['script', 'style', 'textarea', 'title', 'xmp', 'iframe', 'noembed', 'noframes', 'noscript', 'plaintext'])

const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0' }

export function decodeEntities (s: string): string {
  if (!s.includes('&')) return s
  return s.replace(/&(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[a-zA-Z]+);?/g, (whole, ref: string) => {
    if (ref[0] === '#') {
      const code = ref[1] === 'x' || ref[1] === 'X' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10)
      return code > 0 && code <= 0x10ffff && !(code >= 0xd800 && code <= 0xdfff) ? String.fromCodePoint(code) : '\ufffd'
    }
    return NAMED[ref] ?? whole
  })
}

const isSpace = (c: string): boolean => c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f'

export function tokenize (html: string): HtmlToken[] {
  const out: HtmlToken[] = []
  const n = html.length
  let i = 0
  while (i < n) {
    const lt = html.indexOf('<', i)
    if (lt < 0) break
    i = lt + 1
    if (html.startsWith('!--', i)) {
      const end = html.indexOf('-->', i + 3)
      i = end < 0 ? n : end + 3
      continue
    }
    const c = html[i]
    if (c === '!' || c === '?' || c === '/') {
      const end = html.indexOf('>', i)
      i = end < 0 ? n : end + 1
      continue
    }
    if (c === undefined || !/[A-Za-z]/.test(c)) continue

    // Tag name.
    let j = i
    while (j < n && !isSpace(html[j]) && html[j] !== '/' && html[j] !== '>') j++
    const name = html.slice(i, j).toLowerCase()
    i = j

    // Attributes.
    const attrs = new Map<string, string>()
    while (i < n) {
      while (i < n && (isSpace(html[i]) || html[i] === '/')) i++
      if (i >= n || html[i] === '>') { i++; break }
      let k = i
      // The first character may be '=' (HTML tokenizer: it becomes part of the name).
      k++
      while (k < n && !isSpace(html[k]) && html[k] !== '/' && html[k] !== '>' && html[k] !== '=') k++
      const attrName = html.slice(i, k).toLowerCase()
      i = k
      while (i < n && isSpace(html[i])) i++
      let value = ''
      if (html[i] === '=') {
        i++
        while (i < n && isSpace(html[i])) i++
        const q = html[i]
        if (q === '"' || q === "'") {
          const end = html.indexOf(q, i + 1)
          value = html.slice(i + 1, end < 0 ? n : end)
          i = end < 0 ? n : end + 1
        } else {
          let e = i
          while (e < n && !isSpace(html[e]) && html[e] !== '>') e++
          value = html.slice(i, e)
          i = e
        }
      }
      if (!attrs.has(attrName)) attrs.set(attrName, decodeEntities(value))
    }
    out.push({ kind: 'tag', name, attrs })

    if (RAW_TEXT.has(name)) {
      if (name === 'plaintext') break
      const close = new RegExp(`</${name}[\\s/>]`, 'ig')
      close.lastIndex = i
      const m = close.exec(html)
      const end = m === null ? n : m.index
      if (name === 'style') out.push({ kind: 'style', css: html.slice(i, end) })
      i = end
    }
  }
  return out
}
