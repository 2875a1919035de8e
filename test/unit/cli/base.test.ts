// publish --base: the URL path a site is served under.
import { describe, expect, it } from 'vitest'
import { CliError } from '../../../src/cli/errors.js'
import { parseBase } from '../../../src/cli/options.js'

describe('parseBase', () => {
  it('defaults to the root and adds the trailing slash', () => {
    expect(parseBase(undefined)).toBe('/')
    expect(parseBase('/')).toBe('/')
    expect(parseBase('/docs')).toBe('/docs/')
    expect(parseBase('/docs/v2/')).toBe('/docs/v2/')
  })
  it('encodes as the browser does', () => {
    expect(parseBase('/my docs/')).toBe('/my%20docs/')
  })
  it('refuses what is not a URL path', () => {
    for (const bad of ['docs/', '//docs/', '/a/../b/', '/a?x/', '/a#b/', 'http://x/docs/']) {
      expect(() => parseBase(bad), bad).toThrow(CliError)
    }
  })
})
