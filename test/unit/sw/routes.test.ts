// sw/routes.ts: which requests skip the worker. The browser's router itself is
// exercised in test/e2e/static-routes.test.ts; here, the rules for a root
// site, a subpath site and names that need escaping in URLPattern syntax.
import { describe, expect, it } from 'vitest'
import { escapePattern, staticRoutes, type RouterCondition } from '../../../sw/routes.js'

const pathnames = (c: RouterCondition): string[] => (c.or ?? []).map((x) => x.urlPattern?.pathname ?? '')

describe('static routes', () => {
  it('a root site: navigations, other origins, writes and swarmcdn\'s own files', () => {
    const [nav, other, writes, own] = staticRoutes('http://127.0.0.1:8080/swarmcdn-sw.js?manifest=%2Fswarmcdn.json', 'http://127.0.0.1:8080/swarmcdn.json')
    expect(nav).toEqual({ condition: { requestMode: 'navigate' }, source: 'network' })
    expect(other!.condition.not?.urlPattern).toEqual({ protocol: 'http', hostname: '127.0.0.1', port: '8080' })
    expect(writes!.condition.or?.map((c) => c.requestMethod)).toEqual(['POST', 'PUT', 'PATCH', 'DELETE'])
    expect(pathnames(own!.condition)).toEqual(['/swarmcdn.js', '/swarmcdn-sw.js', '/swarmcdn-engine.js', '/swarmcdn.json', '/swarmcdn/*'])
    // Any query: a loader may add one to the manifest's URL.
    for (const c of own!.condition.or!) expect(c.urlPattern).toMatchObject({ protocol: 'http', hostname: '127.0.0.1', port: '8080', search: '*', hash: '*' })
  })

  it('a site under a path with its own manifest name, on the default port', () => {
    const own = staticRoutes('https://example.com/docs/swarmcdn-sw.js', 'https://example.com/docs/release/site.json')[3]!
    expect(pathnames(own.condition)).toEqual(['/docs/swarmcdn.js', '/docs/swarmcdn-sw.js', '/docs/swarmcdn-engine.js', '/docs/release/site.json', '/docs/release/swarmcdn/*', '/docs/swarmcdn.json'])
    expect(own.condition.or![0]!.urlPattern!.port).toBe('')
  })

  it('URLPattern syntax in a path or host is matched literally', () => {
    expect(escapePattern('/a(1)+b*:c?{d}\\')).toBe('/a\\(1\\)\\+b\\*\\:c\\?\\{d\\}\\\\')
    const own = staticRoutes('http://[::1]:8080/s(1)/swarmcdn-sw.js', 'http://[::1]:8080/s(1)/swarmcdn.json')[3]!
    expect(pathnames(own.condition)[0]).toBe('/s\\(1\\)/swarmcdn.js')
    expect(own.condition.or![0]!.urlPattern!.hostname).toBe('[\\:\\:1]')
  })
})
