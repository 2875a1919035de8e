// The start tags of a page, for the page graph, through htmlparser2: every
// named character reference, quoted and unquoted attributes, comments, and
// the raw-text elements whose content is not markup.

import { Parser } from 'htmlparser2'

export type HtmlToken =
  | { kind: 'tag', name: string, attrs: Map<string, string> }
  | { kind: 'style', css: string }

/**
 * Elements whose content is text, not tags, beyond the ones htmlparser2
 * already treats so (script, style, textarea, title). `noscript` is here
 * because a browser with scripting on (the only one swarmcdn runs in) parses
 * its content as text; the others are the HTML spec's legacy raw-text elements.
 */
const EXTRA_RAW_TEXT = new Set(['noscript', 'xmp', 'iframe', 'noembed', 'noframes'])

export function tokenize (html: string): HtmlToken[] {
  const out: HtmlToken[] = []
  // Inside an extra raw-text element: tags are ignored until it closes.
  let rawText: string | null = null
  let rawDepth = 0
  let styleText: string[] | null = null
  const parser = new Parser({
    onopentag (name, attribs) {
      if (rawText !== null) {
        if (name === rawText) rawDepth++
        return
      }
      // htmlparser2 keeps the first of repeated attributes, as browsers do.
      out.push({ kind: 'tag', name, attrs: new Map(Object.entries(attribs)) })
      if (EXTRA_RAW_TEXT.has(name)) {
        rawText = name
        rawDepth = 1
      } else if (name === 'style') {
        styleText = []
      }
    },
    ontext (text) {
      styleText?.push(text)
    },
    onclosetag (name) {
      if (rawText !== null) {
        if (name === rawText && --rawDepth === 0) rawText = null
        return
      }
      if (name === 'style' && styleText !== null) {
        out.push({ kind: 'style', css: styleText.join('') })
        styleText = null
      }
    }
  }, { decodeEntities: true, lowerCaseTags: true, lowerCaseAttributeNames: true, recognizeSelfClosing: false })
  parser.end(html)
  return out
}
