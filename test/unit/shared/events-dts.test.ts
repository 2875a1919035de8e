// dist/swarmcdn.d.ts (emitted by the build) is self-contained and types a site
// owner's listeners: a right use compiles, a wrong one does not.
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import ts from 'typescript'
import { describe, expect, it } from 'vitest'

const DTS = fileURLToPath(new URL('../../../dist/swarmcdn.d.ts', import.meta.url))

function diagnostics (consumer: string): string[] {
  const host = ts.createCompilerHost({ strict: true, noEmit: true, lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'], types: [] })
  const read = host.readFile.bind(host)
  host.readFile = (f) => f.endsWith('/consumer.ts') ? consumer : read(f)
  const exists = host.fileExists.bind(host)
  host.fileExists = (f) => f.endsWith('/consumer.ts') || exists(f)
  const program = ts.createProgram([DTS, '/consumer.ts'], { strict: true, noEmit: true, lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'], types: [] }, host)
  return ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'))
}

describe('dist/swarmcdn.d.ts', () => {
  it.runIf(existsSync(DTS))('types the events of window.swarmcdn', () => {
    const path = JSON.stringify(DTS.replace(/\.d\.ts$/, '.js'))
    const ok = `import type { SwarmcdnEvents, SwarmcdnEventMap } from ${path}
      declare const s: SwarmcdnEvents
      s.addEventListener('delivery', (e) => { const src: 'peer' | 'origin' | 'cache' | 'mixed' = e.detail.source; void src })
      s.addEventListener('status', (e) => { const n: number = e.detail.piecesHeld; void n })
      type D = SwarmcdnEventMap['peers']['detail']['peers']
      const d: D = 1; void d`
    expect(diagnostics(ok)).toEqual([])
    const wrong = `import type { SwarmcdnEvents } from ${path}
      declare const s: SwarmcdnEvents
      s.addEventListener('delivery', (e) => { const n: number = e.detail.source; void n })`
    expect(diagnostics(wrong).length).toBeGreaterThan(0)
  })
})
