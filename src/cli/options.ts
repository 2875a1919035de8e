// Validation of publish options shared by the CLI flags and the programmatic API.
import { DEFAULT_PIECE_LENGTH, DEFAULT_TRACKER_PATH } from '../shared/manifest.js'
import { CliError } from './errors.js'

/** 16 KiB: the BitTorrent request size; a smaller piece is not requestable whole. */
export const MIN_PIECE_LENGTH = 16 * 1024
/** 16 MiB: beyond this one failed piece costs too much and clients disagree. */
export const MAX_PIECE_LENGTH = 16 * 1024 * 1024

/** Accepts a number or a string such as `65536`, `64k`, `64KiB`, `1m`, `1MiB`. */
export function parsePieceLength (input: number | string | undefined): number {
  if (input === undefined) return DEFAULT_PIECE_LENGTH
  let n: number
  if (typeof input === 'number') {
    n = input
  } else {
    const m = /^\s*([0-9]+)\s*(k|kib|m|mib)?\s*$/i.exec(input)
    n = m === null ? NaN : Number(m[1]) * (m[2] === undefined ? 1 : m[2][0].toLowerCase() === 'k' ? 1024 : 1024 * 1024)
  }
  const isPow2 = Number.isSafeInteger(n) && n > 0 && (n & (n - 1)) === 0
  if (!isPow2 || n < MIN_PIECE_LENGTH || n > MAX_PIECE_LENGTH) {
    throw new CliError('bad-piece-length', `invalid piece length ${JSON.stringify(input)}: must be a power of two from ${MIN_PIECE_LENGTH} (16 KiB) to ${MAX_PIECE_LENGTH} (16 MiB)`)
  }
  return n
}

/**
 * The manifest's tracker list. Without --tracker it is `["/announce"]`, the
 * same-origin path the page resolves to ws(s)://its-own-host/announce. Given
 * --tracker values replace that default; to keep the same-origin tracker as
 * well, pass `--tracker /announce` among them. Duplicates are dropped.
 */
export function parseTrackers (input: readonly string[] | undefined): string[] {
  if (input === undefined || input.length === 0) return [DEFAULT_TRACKER_PATH]
  const out: string[] = []
  for (const t of input) {
    if (!isValidTracker(t)) {
      throw new CliError('bad-tracker', `invalid tracker ${JSON.stringify(t)}: use an absolute ws:// or wss:// URL, or a same-origin path starting with "/" such as ${DEFAULT_TRACKER_PATH}`)
    }
    if (!out.includes(t)) out.push(t)
  }
  return out
}

function isValidTracker (t: string): boolean {
  if (/[\s\u0000-\u001f\u007f\\]/.test(t)) return false
  if (t.startsWith('/')) {
    // `//host/x` is a network-path reference (another host), not a same-origin path.
    return !t.startsWith('//') && !t.includes('#')
  }
  try {
    const u = new URL(t)
    return (u.protocol === 'ws:' || u.protocol === 'wss:') && u.hostname !== '' && u.hash === ''
  } catch {
    return false
  }
}

/**
 * The URL path the site is deployed under (`--base /docs/`), with a trailing
 * slash; default `/`. Manifest keys are absolute URL paths under it, so the
 * service worker matches `request.url`'s pathname as it is.
 */
export function parseBase (input: string | undefined): string {
  if (input === undefined || input === '' || input === '/') return '/'
  const base = input.endsWith('/') ? input : `${input}/`
  const segments = base.slice(1, -1).split('/')
  if (!base.startsWith('/') || segments.some((s) => s === '' || s === '.' || s === '..' || /[?#\\\u0000-\u001f\u007f]/.test(s))) {
    throw new CliError('bad-base', `invalid base ${JSON.stringify(input)}: must be a URL path such as /docs/`)
  }
  return new URL(base, 'http://x').pathname
}
