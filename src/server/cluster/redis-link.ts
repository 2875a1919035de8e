// The two Redis connections a tracker process holds (commands, and one in
// subscriber mode, which Redis allows nothing else on), and their health as a
// person reads it: one line when Redis cannot be reached or goes away, one
// when it is back. While Redis is away every command fails at once (no
// offline queue), so the tracker keeps serving its own visitors as a single
// process would, and rejoins the cluster when Redis returns.
import { Redis, type RedisOptions } from 'ioredis'
import { debug } from '../debug.js'

const log = debug('cluster')

/** Reconnect schedule: 200 ms steps up to 5 s, forever (Redis restarts are routine). */
const RETRY_STEP_MS = 200
const RETRY_MAX_MS = 5000
/**
 * A command that takes longer than this fails, and the announce goes on with
 * this process's own peers. Redis answers in well under a millisecond on a
 * LAN; 500 ms only trips on a Redis that is hung or saturated.
 */
export const COMMAND_TIMEOUT_MS = 500
const CONNECT_TIMEOUT_MS = 3000

export type LinkState = 'connecting' | 'up' | 'down'

/** Checks a `--redis` value; throws with a message a person can act on. */
export function parseRedisUrl (value: string): URL {
  let u: URL
  try {
    u = new URL(value)
  } catch {
    throw new Error(`invalid Redis URL ${JSON.stringify(value)} (expected redis://HOST:PORT or rediss://HOST:PORT)`)
  }
  if ((u.protocol !== 'redis:' && u.protocol !== 'rediss:') || u.hostname === '') {
    throw new Error(`invalid Redis URL ${JSON.stringify(value)} (expected redis://HOST:PORT or rediss://HOST:PORT)`)
  }
  return u
}

/** The URL without its password, for messages. */
export function redactRedisUrl (u: URL): string {
  const c = new URL(u.href)
  if (c.password !== '') c.password = '***'
  return c.href
}

export interface RedisLinkOptions {
  url: URL
  /** Called with each incoming pub/sub message on the subscribed channel. */
  onMessage: (raw: Buffer) => void
  channel: string
  /** One line per state change, for the operator (stderr in the CLI). */
  report: (line: string) => void
  /** Called each time both connections are ready (first connect and every reconnect). */
  onUp: () => void
}

export interface RedisLink {
  cmd: Redis
  state: () => LinkState
  close: () => Promise<void>
}

export function openRedisLink (opts: RedisLinkOptions): RedisLink {
  const where = redactRedisUrl(opts.url)
  const base: RedisOptions = {
    retryStrategy: (times) => Math.min(times * RETRY_STEP_MS, RETRY_MAX_MS),
    connectTimeout: CONNECT_TIMEOUT_MS,
    // Both replies and pub/sub payloads as RESP2 shapes: the same on any Redis ≥ 6.2.
    protocol: 2
  }
  const cmd = new Redis(opts.url.href, { ...base, enableOfflineQueue: false, maxRetriesPerRequest: 0, commandTimeout: COMMAND_TIMEOUT_MS })
  // The subscriber keeps its queue so SUBSCRIBE waits for the first connect;
  // ioredis re-subscribes by itself after a reconnect.
  const sub = new Redis(opts.url.href, base)
  let state: LinkState = 'connecting'
  let everUp = false
  let lastError = ''

  const set = (next: LinkState): void => {
    if (next === state) return
    const prev = state
    state = next
    if (next === 'up') {
      opts.report(everUp ? `Redis at ${where} is back; sharing swarms with the other tracker processes again` : `Redis at ${where} connected; sharing swarms with the other tracker processes`)
      everUp = true
      opts.onUp()
    } else if (next === 'down') {
      const why = lastError !== '' ? ` (${lastError})` : ''
      opts.report(prev === 'connecting'
        ? `cannot reach Redis at ${where}${why}; serving this process's own visitors only, retrying`
        : `lost Redis at ${where}${why}; serving this process's own visitors only until it is back`)
    }
  }
  const update = (): void => {
    if (cmd.status === 'ready' && sub.status === 'ready') set('up')
    else if (state === 'up' || lastError !== '') set('down')
  }
  for (const c of [cmd, sub]) {
    c.on('ready', () => { lastError = ''; update() })
    c.on('error', (err: Error & { code?: string }) => {
      lastError = err.code ?? err.message
      log('redis error', err.message)
      update()
    })
    c.on('close', update)
    c.on('end', update)
  }
  sub.on('messageBuffer', (channel: Buffer, message: Buffer) => {
    if (channel.toString() === opts.channel) opts.onMessage(message)
  })
  sub.subscribe(opts.channel).catch((err: unknown) => { log('subscribe', err instanceof Error ? err.message : err) })

  return {
    cmd,
    state: () => state,
    async close () {
      for (const c of [cmd, sub]) c.removeAllListeners('error')
      for (const c of [cmd, sub]) {
        c.on('error', () => {})
        c.disconnect(false)
      }
    }
  }
}
