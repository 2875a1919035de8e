// The typed RPC on a real MessageChannel (Node's): answers, errors as errors,
// per-call timeouts that leave the port usable, AbortSignal cancellation that
// reaches the handler, notes both ways.
import { describe, expect, it } from 'vitest'
import { MessageChannel } from 'node:worker_threads'
import { RpcAborted, RpcPeer, RpcRemoteError, RpcTimeout } from '../../../src/shared/rpc.js'

type A = { add: { params: { a: number, b: number }, result: number }, slow: { params: { ms: number }, result: string }, boom: { params: Record<string, never>, result: never } }
type B = { echo: { params: string, result: string } }
type NA = { hello: { from: string } }
type NB = { tick: { n: number } }

function pair (): { server: RpcPeer<A, B, NA, NB>, client: RpcPeer<B, A, NB, NA>, close: () => void } {
  const ch = new MessageChannel()
  const server = new RpcPeer<A, B, NA, NB>(ch.port1 as never)
  const client = new RpcPeer<B, A, NB, NA>(ch.port2 as never)
  return { server, client, close: () => { server.close(); client.close() } }
}

describe('RpcPeer', () => {
  it('answers calls and carries notes both ways', async () => {
    const { server, client, close } = pair()
    server.handle('add', ({ a, b }) => a + b)
    client.handle('echo', (s) => s.toUpperCase())
    const tick = new Promise<number>((resolve) => client.on('tick', ({ n }) => resolve(n)))
    const hello = new Promise<string>((resolve) => server.on('hello', ({ from }) => resolve(from)))
    expect(await client.call('add', { a: 2, b: 3 }, { timeoutMs: 1000 })).toBe(5)
    expect(await server.call('echo', 'x', { timeoutMs: 1000 })).toBe('X')
    server.notify('tick', { n: 1 })
    client.notify('hello', { from: 'client' })
    expect(await hello).toBe('client')
    expect(await tick).toBe(1)
    close()
  })

  it('an exception in a handler is answered as an error, not silence', async () => {
    const { server, client, close } = pair()
    server.handle('boom', () => { throw new Error('engine broke') })
    await expect(client.call('boom', {}, { timeoutMs: 5000 })).rejects.toThrow(RpcRemoteError)
    close()
  })

  it('a slow answer is a timeout for that call only; the next call still works', async () => {
    const { server, client, close } = pair()
    let cancelled = false
    server.handle('slow', async ({ ms }, ctx) => {
      ctx.signal.addEventListener('abort', () => { cancelled = true })
      await new Promise((r) => setTimeout(r, ms))
      return 'late'
    })
    server.handle('add', ({ a, b }) => a + b)
    const t0 = Date.now()
    await expect(client.call('slow', { ms: 300 }, { timeoutMs: 50 })).rejects.toThrow(RpcTimeout)
    expect(Date.now() - t0).toBeLessThan(250)
    expect(await client.call('add', { a: 1, b: 1 }, { timeoutMs: 1000 })).toBe(2)
    await new Promise((r) => setTimeout(r, 30))
    expect(cancelled).toBe(true) // the timeout told the handler to stop
    close()
  })

  it('an AbortSignal cancels the call at once and reaches the handler', async () => {
    const { server, client, close } = pair()
    const aborted = new Promise<void>((resolve) => {
      server.handle('slow', async (_p, ctx) => {
        await new Promise<void>((r) => ctx.signal.addEventListener('abort', () => { resolve(); r() }))
        return 'never'
      })
    })
    const ac = new AbortController()
    const call = client.call('slow', { ms: 10_000 }, { timeoutMs: 10_000, signal: ac.signal })
    setTimeout(() => ac.abort(), 20)
    await expect(call).rejects.toThrow(RpcAborted)
    await aborted
    close()
  })
})
