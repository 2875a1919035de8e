// Listening and stopping an HTTP server, with errors a person can act on.
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'

export async function listen (server: Server, port: number, host: string): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException): void => {
      server.off('listening', onListening)
      const where = `${host}:${port}`
      if (err.code === 'EADDRINUSE') reject(new Error(`cannot listen on ${where}: address already in use (pick another --port, or 0 for a free one)`))
      else if (err.code === 'EACCES') reject(new Error(`cannot listen on ${where}: permission denied (ports below 1024 need privileges)`))
      else if (err.code === 'EADDRNOTAVAIL' || err.code === 'ENOTFOUND') reject(new Error(`cannot listen on ${where}: no such local address`))
      else reject(new Error(`cannot listen on ${where}: ${err.message}`))
    }
    const onListening = (): void => {
      server.off('error', onError)
      resolve()
    }
    server.once('error', onError)
    server.once('listening', onListening)
    server.listen(port, host)
  })
  return (server.address() as AddressInfo).port
}

/** Stops accepting, drops keep-alive and in-flight connections, resolves when closed. */
export function stopServer (server: Server): Promise<void> {
  return new Promise<void>((resolve) => {
    if (!server.listening) return resolve()
    server.close(() => { resolve() })
    server.closeAllConnections()
  })
}

export function parsePort (value: string | number): number {
  const n = typeof value === 'number' ? value : Number(value)
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`invalid port ${JSON.stringify(String(value))} (0-65535)`)
  return n
}

/**
 * Listens, and returns the port with an idempotent close of the server and
 * the tracker mounted on it; when listening fails, the tracker is closed too.
 */
export async function listenWithTracker (server: Server, tracker: { close: () => Promise<void> }, port: number, host: string): Promise<{ port: number, close: () => Promise<void> }> {
  let bound: number
  try {
    bound = await listen(server, port, host)
  } catch (err) {
    await tracker.close()
    throw err
  }
  let closing: Promise<void> | null = null
  return {
    port: bound,
    close: () => {
      closing ??= Promise.all([tracker.close(), stopServer(server)]).then(() => {})
      return closing
    }
  }
}
