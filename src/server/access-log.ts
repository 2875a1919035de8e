// `swarmcdn serve --access-log FILE`: one combined-format line per request
// (what `swarmcdn estimate` and any log tool read), appended as responses end.
import { createWriteStream, type WriteStream } from 'node:fs'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { formatCombined } from '../estimate/access-log.js'

export interface AccessLog {
  track: (req: IncomingMessage, res: ServerResponse) => void
  close: () => Promise<void>
}

export async function openAccessLog (file: string): Promise<AccessLog> {
  const out: WriteStream = createWriteStream(file, { flags: 'a' })
  await new Promise<void>((resolve, reject) => {
    out.once('open', () => { resolve() })
    out.once('error', (err) => { reject(new Error(`--access-log ${file}: ${err.message}`)) })
  })
  let closed = false
  return {
    track (req, res) {
      const time = Date.now()
      res.once('close', () => {
        if (closed) return
        // Body bytes: the declared length of a response that finished; a cut one is logged as `-`.
        const length = Number(res.getHeader('content-length') ?? 0)
        const bytes = res.writableFinished && req.method !== 'HEAD' && Number.isFinite(length) ? length : 0
        const ref = req.headers.referer
        out.write(formatCombined({
          ip: req.socket.remoteAddress ?? '-',
          time,
          method: req.method ?? '-',
          path: req.url ?? '-',
          protocol: `HTTP/${req.httpVersion}`,
          status: res.statusCode,
          bytes,
          referer: typeof ref === 'string' ? ref : '-',
          userAgent: req.headers['user-agent'] ?? '-'
        }) + '\n')
      })
    },
    close: async () => {
      if (closed) return
      closed = true
      await new Promise<void>((resolve) => { out.end(() => { resolve() }) })
    }
  }
}
