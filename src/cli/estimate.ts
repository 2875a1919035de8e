// `swarmcdn estimate <access.log>`: the offload swarmcdn would give a site,
// per asset, from its own access log (src/estimate/model.ts says how).
import { Command } from 'commander'
import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import { createInterface } from 'node:readline'
import { parseLogLine, type LogEntry } from '../estimate/access-log.js'
import { estimate, DEFAULT_MIN_SESSION_MS, DEFAULT_SESSION_GAP_MS, type Estimate } from '../estimate/model.js'
import { parseNonNegative } from './run-until-signal.js'

interface EstimateFlags {
  json?: boolean
  sessionGap: number
  minSession: number
  top: number
}

export async function estimateFile (file: string, flags: Pick<EstimateFlags, 'sessionGap' | 'minSession'>): Promise<Estimate> {
  const st = await stat(file).catch(() => null)
  if (st === null || !st.isFile()) throw new Error(`${file}: no such file`)
  const entries: LogEntry[] = []
  let skipped = 0
  const lines = createInterface({ input: createReadStream(file), crlfDelay: Infinity })
  for await (const line of lines) {
    if (line.trim() === '') continue
    const e = parseLogLine(line)
    if (e === null) skipped++
    else entries.push(e)
  }
  if (entries.length === 0) throw new Error(`${file}: no line in common or combined log format${skipped > 0 ? ` (${skipped} other lines)` : ''}`)
  const out = estimate(entries, { sessionGapMs: flags.sessionGap * 60_000, minSessionMs: flags.minSession * 1000 })
  out.skipped = skipped
  return out
}

const mb = (n: number): string => n >= 1e6 ? `${(n / 1e6).toFixed(1)} MB` : n >= 1e3 ? `${(n / 1e3).toFixed(1)} kB` : `${n} B`
const pct = (x: number | null): string => x === null ? '—' : `${(x * 100).toFixed(1)} %`

export function formatTable (e: Estimate, top: number): string {
  const head = ['asset', 'requests', 'sessions', 'arrivals/h', 'hold (s)', 'online (L)', 'offload', 'origin bytes', 'saved']
  const rows = e.assets.slice(0, top).map((a) => [a.path, String(a.requests), String(a.sessions), a.arrivalsPerHour.toFixed(1), a.meanHoldSeconds.toFixed(0), a.concurrent.toFixed(2), pct(a.offload), mb(a.bytes), mb(a.savedBytes)])
  if (e.assets.length > top) rows.push([`… ${e.assets.length - top} more`, '', '', '', '', '', '', '', ''])
  rows.push(['total', '', '', '', '', '', pct(e.totals.offload), mb(e.totals.bytes), mb(e.totals.savedBytes)])
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)))
  const line = (r: string[]): string => r.map((c, i) => i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i])).join('  ')
  return [
    `${e.entries} requests (${e.skipped} lines skipped), ${e.visitors} visitors, ${e.sessions} sessions of ${e.meanSessionSeconds.toFixed(0)} s on average, over ${(e.spanSeconds / 3600).toFixed(2)} h`,
    '',
    line(head),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.map(line),
    '',
    'offload = 1 − e^(−L), L = arrivals/s × hold: the chance a requester finds another visitor holding the asset (Little\'s law, Poisson arrivals).'
  ].join('\n')
}

export function registerEstimate (program: Command): void {
  program
    .command('estimate')
    .description('estimate, from an access log (common or combined format), the offload swarmcdn would give each asset and the origin bytes it would save')
    .argument('<access.log>', 'the site\'s access log')
    .option('--session-gap <minutes>', 'a visitor\'s requests further apart than this start a new session', parseNonNegative, DEFAULT_SESSION_GAP_MS / 60_000)
    .option('--min-session <seconds>', 'shortest session (a one-request visit still reads the page)', parseNonNegative, DEFAULT_MIN_SESSION_MS / 1000)
    .option('--top <n>', 'rows in the table', parseNonNegative, 20)
    .option('--json', 'print JSON instead of a table')
    .action(async (file: string, flags: EstimateFlags) => {
      const e = await estimateFile(file, flags)
      console.log(flags.json === true ? JSON.stringify(e, null, 2) : formatTable(e, flags.top))
    })
}
