// Common and combined log format (Apache `%h %l %u %t "%r" %>s %b` plus
// `"%{Referer}i" "%{User-agent}i"`; nginx's default `combined` is the same).
export interface LogEntry {
  ip: string
  /** ms since epoch. */
  time: number
  method: string
  /** Path without query string or fragment. */
  path: string
  status: number
  /** Body bytes sent (`-` is 0). */
  bytes: number
  /** Empty in the common format. */
  userAgent: string
}

const LINE = /^(\S+) \S+ \S+ \[([^\]]+)\] "((?:[^"\\]|\\.)*)" (\d{3}) (\d+|-)(?: "(?:[^"\\]|\\.)*" "((?:[^"\\]|\\.)*)")?/
const REQUEST = /^(\S+) (.+?)(?: HTTP\/[\d.]+)?$/
const unescape = (s: string): string => s.replace(/\\(.)/g, '$1')
const MONTHS: Record<string, number> = { Jan: 0, Feb: 1, Mar: 2, Apr: 3, May: 4, Jun: 5, Jul: 6, Aug: 7, Sep: 8, Oct: 9, Nov: 10, Dec: 11 }
const TIME = /^(\d{2})\/([A-Z][a-z]{2})\/(\d{4}):(\d{2}):(\d{2}):(\d{2}) ([+-])(\d{2})(\d{2})$/

/** `10/Oct/2000:13:55:36 -0700` → ms since epoch, or null. */
export function parseLogTime (s: string): number | null {
  const m = TIME.exec(s)
  if (m === null || MONTHS[m[2]] === undefined) return null
  const utc = Date.UTC(Number(m[3]), MONTHS[m[2]], Number(m[1]), Number(m[4]), Number(m[5]), Number(m[6]))
  const offset = (Number(m[8]) * 60 + Number(m[9])) * 60_000 * (m[7] === '+' ? 1 : -1)
  return utc - offset
}

/** One log line, or null when it is not in common/combined format. */
export function parseLogLine (line: string): LogEntry | null {
  const m = LINE.exec(line)
  if (m === null) return null
  const time = parseLogTime(m[2])
  const req = REQUEST.exec(unescape(m[3]))
  if (time === null || req === null) return null
  let target = req[2]
  if (/^https?:\/\//i.test(target)) {
    try { target = new URL(target).pathname } catch { return null }
  }
  const cut = target.search(/[?#]/)
  return {
    ip: m[1],
    time,
    method: req[1],
    path: cut === -1 ? target : target.slice(0, cut),
    status: Number(m[4]),
    bytes: m[5] === '-' ? 0 : Number(m[5]),
    userAgent: unescape(m[6] ?? '')
  }
}

/** Formats an entry as a combined-format line (what `swarmcdn serve --access-log` writes). */
export function formatCombined (e: LogEntry & { referer?: string, protocol?: string }): string {
  const d = new Date(e.time)
  const mon = Object.keys(MONTHS)[d.getUTCMonth()]
  const p = (n: number): string => String(n).padStart(2, '0')
  const stamp = `${p(d.getUTCDate())}/${mon}/${d.getUTCFullYear()}:${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`
  const q = (s: string): string => s.replace(/["\\]/g, (c) => `\\${c}`).replace(/[\x00-\x1f\x7f]/g, '')
  return `${e.ip} - - [${stamp}] "${q(e.method)} ${q(e.path)} ${e.protocol ?? 'HTTP/1.1'}" ${e.status} ${e.bytes === 0 ? '-' : e.bytes} "${q(e.referer ?? '-')}" "${q(e.userAgent)}"`
}
