import { afterAll, describe, expect, it } from 'vitest'
import { publish } from '../../../src/cli/publish.js'
import { pageKey, srcsetUrls } from '../../../src/cli/pages.js'
import { tokenize } from '../../../src/cli/html.js'
import { cssRefs } from '../../../src/cli/css.js'
import { bytes, cleanupTemp, makeTree } from './helpers.js'

afterAll(cleanupTemp)

const INDEX = `<!doctype html>
<html><head>
<link rel="stylesheet" href="css/site.css">
<link rel=preload href="/fonts/f.woff2" as=font crossorigin>
<link rel="shortcut icon" href="/favicon.ico">
<link rel="alternate" href="/feed.xml">
<script src="js/app.js" defer></script>
<script>document.write("<img src='img/not-a-tag.png'>")</script>
<!-- <img src="img/commented.png"> -->
<style>@import url("css/print.css"); .hero { background: url(img/hero.png) }</style>
</head><body>
<img src="img/a.png" srcset="img/a.png 1x, img/a@2x.png 2x" alt="a">
<picture><source srcset="img/b.webp 480w,img/b-big.webp 1080w" type="image/webp"><img src=img/b.png></picture>
<div style="background-image: url('img/bg.png')"></div>
<video poster="media/poster.jpg" src="media/clip.mp4"></video>
<img src="http://other.example/img/a.png"><img src="img/missing.png"><img src="data:image/png;base64,AAAA">
<img src="/img/a.png?v=2">
<a href="page2.html">two</a> <a href="/docs/">docs</a> <a href="https://other.example/">out</a>
<a href="#top">top</a> <a href="mailto:x@example.com">mail</a>
</body></html>`

const PAGE2 = `<html><body>
<IMG SRC="img/a.png"><img src='./img/b.png'>
<a href="/">home</a> <a href="index.html">home again</a> <a href="docs">docs, no slash</a> <a href="page2.html">self</a>
<a href="nowhere.html">dead</a>
</body></html>`

const DOCS = `<html><head><base href="/img/"></head><body>
<img src="b.png"><script src="/js/app.js"></script>
<a href="../page2.html">two</a><a href="/index.html">home</a>
</body></html>`

function siteWithPages (): string {
  return makeTree({
    'index.html': INDEX,
    'page2.html': PAGE2,
    'docs/index.html': DOCS,
    'binary.html': Buffer.from([0x3c, 0x70, 0x3e, 0xff, 0xfe, 0x00, 0x80]),
    'css/site.css': '/* url(img/commented.png) */ @import "theme.css";\nbody { background: url( "../img/bg.png" ) }',
    'css/theme.css': "h1 { background: url('../img/theme.png') } @font-face { src: url(../fonts/f.woff2) }",
    'css/print.css': 'p { background: url(/img/print.png) }',
    'fonts/f.woff2': bytes(100),
    'favicon.ico': bytes(50),
    'feed.xml': '<rss/>',
    'js/app.js': 'app()',
    'img/a.png': bytes(10, 1),
    'img/a@2x.png': bytes(10, 2),
    'img/b.png': bytes(10, 3),
    'img/b.webp': bytes(10, 4),
    'img/b-big.webp': bytes(10, 5),
    'img/bg.png': bytes(10, 6),
    'img/hero.png': bytes(10, 7),
    'img/theme.png': bytes(10, 8),
    'img/print.png': bytes(10, 9),
    'img/not-a-tag.png': bytes(10, 10),
    'img/commented.png': bytes(10, 11),
    'media/poster.jpg': bytes(10, 12),
    'media/clip.mp4': bytes(10, 13)
  })
}

describe('page graph', () => {
  it('records per page the assets it loads, in document order, and its same-site links', async () => {
    const warnings: string[] = []
    const { manifest } = await publish({ dir: siteWithPages(), copyRuntime: false, onWarning: (m) => warnings.push(m) })
    expect(Object.keys(manifest.pages ?? {})).toEqual(['/', '/docs/', '/page2.html'])
    expect(manifest.pages?.['/']).toEqual({
      assets: [
        '/css/site.css', '/css/theme.css', '/img/theme.png', '/fonts/f.woff2', '/img/bg.png',
        '/favicon.ico',
        '/js/app.js',
        '/css/print.css', '/img/print.png', '/img/hero.png',
        '/img/a.png', '/img/a@2x.png',
        '/img/b.webp', '/img/b-big.webp', '/img/b.png',
        '/media/poster.jpg', '/media/clip.mp4'
      ],
      links: ['/page2.html', '/docs/']
    })
    expect(manifest.pages?.['/page2.html']).toEqual({ assets: ['/img/a.png', '/img/b.png'], links: ['/', '/docs/'] })
    expect(manifest.pages?.['/docs/']).toEqual({ assets: ['/img/b.png', '/js/app.js'], links: ['/page2.html', '/'] })
    expect(warnings).toEqual([expect.stringMatching(/page \/binary\.html skipped in the page graph \(not valid UTF-8\)/)])
  })

  it('under --base, resolves links and assets written under the base, and ignores paths outside it', async () => {
    const dir = makeTree({
      'index.html': `<html><head><link rel=stylesheet href="/docs/css/site.css"></head><body>
<a href="/docs/guide.html">root-relative</a> <a href="api.html">relative</a> <a href="./faq.html">dot</a>
<a href="../docs/more/">up and back</a> <a href="/blog/post.html">another site</a> <a href="/guide.html">outside the base</a>
<img src="/docs/img/hero.png"><img src="/img/hero.png"></body></html>`,
      'guide.html': '<html><body><img src="/docs/img/guide.png"><a href="/docs">home, no slash</a><a href="/docs/">home</a></body></html>',
      'api.html': '<a href="../docs/index.html">home</a>',
      'faq.html': '<img src="img/guide.png">',
      'more/index.html': '<a href="../guide.html">guide</a><img src="../img/hero.png">',
      'css/site.css': 'body { background: url(/docs/img/bg.png) } h1 { background: url(../img/hero.png) }',
      'img/hero.png': bytes(10, 1),
      'img/guide.png': bytes(10, 2),
      'img/bg.png': bytes(10, 3)
    })
    const { manifest } = await publish({ dir, base: '/docs/', copyRuntime: false, onWarning: () => {} })
    expect(Object.keys(manifest.pages ?? {})).toEqual(['/docs/', '/docs/api.html', '/docs/faq.html', '/docs/guide.html', '/docs/more/'])
    expect(manifest.pages?.['/docs/']).toEqual({
      assets: ['/docs/css/site.css', '/docs/img/bg.png', '/docs/img/hero.png'],
      links: ['/docs/guide.html', '/docs/api.html', '/docs/faq.html', '/docs/more/']
    })
    expect(manifest.pages?.['/docs/guide.html']).toEqual({ assets: ['/docs/img/guide.png'], links: ['/docs/'] })
    expect(manifest.pages?.['/docs/api.html']).toEqual({ assets: [], links: ['/docs/'] })
    expect(manifest.pages?.['/docs/faq.html']).toEqual({ assets: ['/docs/img/guide.png'], links: [] })
    expect(manifest.pages?.['/docs/more/']).toEqual({ assets: ['/docs/img/hero.png'], links: ['/docs/guide.html'] })
  })

  it('keys index pages by their folder', () => {
    expect(pageKey('/index.html')).toBe('/')
    expect(pageKey('/docs/index.htm')).toBe('/docs/')
    expect(pageKey('/docs/INDEX.HTML')).toBe('/docs/')
    expect(pageKey('/page2.html')).toBe('/page2.html')
    expect(pageKey('/reindex.html')).toBe('/reindex.html')
  })

  it('parses srcset, tags and CSS references forgivingly', () => {
    expect(srcsetUrls('a.png 1x, b.png 2x')).toEqual(['a.png', 'b.png'])
    expect(srcsetUrls('a.png, b.png 100w,  c.png,')).toEqual(['a.png', 'b.png', 'c.png'])
    // HTML spec: a comma inside a URL is part of it unless it ends the URL.
    expect(srcsetUrls('a.png,b.png 100w')).toEqual(['a.png,b.png'])
    expect(srcsetUrls('a.png (max-width: 1px, 2px) 1x, b.png')).toEqual(['a.png', 'b.png'])
    const srcs = (html: string): Array<string | undefined> => tokenize(html).flatMap((t) => t.kind === 'tag' && t.name === 'img' ? [t.attrs.get('src')] : [])
    expect(srcs('<IMG src=a.png src="b.png" alt="x &amp; y"><p title=\'<img src=c.png>\'><textarea><img src=d.png></textarea><img src="e&#46;png">')).toEqual(['a.png', 'e.png'])
    // Every named reference (HTML's full table), raw text in noscript, script and comments, and an unquoted `/`.
    expect(srcs('<img src="caf&eacute;&hellip;.png"><noscript><img src=n.png></noscript><script>"<img src=s.png>"</script><!-- <img src=c.png> --><img src=f.png/>')).toEqual(['café….png', 'f.png/'])
    // A tag cut off by the end of the file is dropped, as the HTML tokenizer does.
    expect(srcs('<img src=a.png><img src="b.png"')).toEqual(['a.png'])
    expect(tokenize('<style>a{b:url(x.png)}</style>')).toContainEqual({ kind: 'style', css: 'a{b:url(x.png)}' })
    expect(cssRefs('@import url(a.css); @import \'b.css\' screen; x { y: url("c.png"), url(d.png) } /* url(e.png) */')).toEqual({
      urls: ['a.css', 'b.css', 'c.png', 'd.png'],
      imports: ['a.css', 'b.css']
    })
  })
})
