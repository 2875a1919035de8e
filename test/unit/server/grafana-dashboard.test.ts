// docs/grafana-dashboard.json queries only metrics the origin really exports.
import { describe, it, expect } from 'vitest'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { startServer } from '../../../src/server/index.js'
import { makeSite } from './helpers.js'

describe('docs/grafana-dashboard.json', () => {
  it('names only metrics GET /metrics exports', async () => {
    const dash = JSON.parse(await readFile(join(import.meta.dirname, '../../../docs/grafana-dashboard.json'), 'utf8')) as { panels: Array<{ targets: Array<{ expr: string }> }> }
    const used = new Set(dash.panels.flatMap((p) => p.targets.flatMap((t) => [...t.expr.matchAll(/swarmcdn_[a-z_]+/g)].map((m) => m[0]))))
    expect(used.size).toBeGreaterThan(10)
    const site = await makeSite({ '/a.txt': 'a' })
    const srv = await startServer({ dir: site.dir, port: 0, quiet: true, metricsPerAsset: true })
    try {
      const text = await (await fetch(srv.metricsUrl)).text()
      const exported = new Set([...text.matchAll(/^# HELP (swarmcdn_[a-z_]+)/gm)].map((m) => m[1]))
      expect([...used].filter((n) => !exported.has(n))).toEqual([])
    } finally {
      await srv.close()
      await site.cleanup()
    }
  })
})
