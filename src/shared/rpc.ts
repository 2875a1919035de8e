// A MessagePort treated as a function call (after Comlink and the ipfs
// service-worker-gateway's typed postMessage helpers): one discriminated
// union per direction, a request id, a timeout and an AbortSignal per call,
// errors sent back as errors. A missed answer is a timeout for that call, not
// the death of the other side: liveness is the caller's separate concern.

/** Methods one side serves: name → params and result. */
export type MethodMap = Record<string, { params: unknown, result: unknown }>
/** One-way notes one side accepts: name → payload. */
export type NoteMap = Record<string, unknown>

export type CallOf<M extends MethodMap> = { [K in keyof M & string]: { kind: 'call', id: number, method: K, params: M[K]['params'] } }[keyof M & string]
export type ResultOf<M extends MethodMap> =
  | { [K in keyof M & string]: { kind: 'result', id: number, method: K, value: M[K]['result'] } }[keyof M & string]
  | { kind: 'error', id: number, message: string }
export type NoteOf<N extends NoteMap> = { [K in keyof N & string]: { kind: 'note', name: K, payload: N[K] } }[keyof N & string]
export interface CancelMessage { kind: 'cancel', id: number }

/** Everything one side sends: its calls and notes, its answers to the other side's calls, cancels. */
export type Outgoing<Remote extends MethodMap, Local extends MethodMap, RemoteNotes extends NoteMap> =
  CallOf<Remote> | ResultOf<Local> | NoteOf<RemoteNotes> | CancelMessage

export class RpcTimeout extends Error { constructor (method: string, ms: number) { super(`${method}: no answer within ${ms} ms`); this.name = 'RpcTimeout' } }
export class RpcAborted extends Error { constructor (method: string) { super(`${method}: aborted`); this.name = 'RpcAborted' } }
export class RpcRemoteError extends Error { constructor (message: string) { super(message); this.name = 'RpcRemoteError' } }
export class RpcClosed extends Error { constructor () { super('port closed'); this.name = 'RpcClosed' } }

export interface CallOptions { timeoutMs: number, signal?: AbortSignal, transfer?: Transferable[] }

/** What a handler gets besides its params. */
export interface HandlerContext {
  /** Aborted when the caller cancels or the port closes. */
  signal: AbortSignal
  /** Keeps `signal` live after the answer (a stream the caller may still cancel). */
  holdUntil: (done: Promise<unknown>) => void
}

const TRANSFER: unique symbol = Symbol('transfer')
/** A result whose parts move rather than copy (streams, buffers). */
export interface Transferring<R> { value: R, transfer: Transferable[], [TRANSFER]: true }
type Answer<R> = R | Transferring<R>

export function transferring<R> (value: R, transfer: Transferable[]): Transferring<R> {
  return { value, transfer, [TRANSFER]: true }
}

interface Port { postMessage: (msg: unknown, transfer: Transferable[]) => void, close: () => void, start?: () => void, onmessage: ((e: MessageEvent) => void) | null }

/**
 * One end of the port. `Local`/`LocalNotes` are what this side serves and
 * accepts; `Remote`/`RemoteNotes` what the other side does.
 */
export class RpcPeer<Local extends MethodMap, Remote extends MethodMap, LocalNotes extends NoteMap, RemoteNotes extends NoteMap> {
  private nextId = 1
  private readonly waiting = new Map<number, { resolve: (v: unknown) => void, reject: (e: Error) => void }>()
  private readonly serving = new Map<number, AbortController>()
  private readonly handlers = new Map<string, (params: unknown, ctx: HandlerContext) => unknown>()
  private readonly listeners = new Map<string, (payload: unknown) => void>()
  private closed = false

  constructor (private readonly port: Port) {
    port.onmessage = (e: MessageEvent) => this.receive(e.data as Outgoing<Local, Remote, LocalNotes>)
    port.start?.()
  }

  handle<K extends keyof Local & string> (method: K, fn: (params: Local[K]['params'], ctx: HandlerContext) => Answer<Local[K]['result']> | Promise<Answer<Local[K]['result']>>): void {
    this.handlers.set(method, fn as (params: unknown, ctx: HandlerContext) => unknown)
  }

  on<K extends keyof LocalNotes & string> (name: K, fn: (payload: LocalNotes[K]) => void): void {
    this.listeners.set(name, fn as (payload: unknown) => void)
  }

  notify<K extends keyof RemoteNotes & string> (name: K, payload: RemoteNotes[K], transfer: Transferable[] = []): void {
    this.post({ kind: 'note', name, payload } as NoteOf<RemoteNotes>, transfer)
  }

  call<K extends keyof Remote & string> (method: K, params: Remote[K]['params'], opts: CallOptions): Promise<Remote[K]['result']> {
    if (this.closed) return Promise.reject(new RpcClosed())
    if (opts.signal?.aborted) return Promise.reject(new RpcAborted(method))
    const id = this.nextId++
    return new Promise<Remote[K]['result']>((resolve, reject) => {
      const finish = (): void => {
        clearTimeout(timer)
        opts.signal?.removeEventListener('abort', onAbort)
        this.waiting.delete(id)
      }
      const giveUp = (err: Error): void => {
        finish()
        this.post({ kind: 'cancel', id }, [])
        reject(err)
      }
      const onAbort = (): void => giveUp(new RpcAborted(method))
      const timer = setTimeout(() => giveUp(new RpcTimeout(method, opts.timeoutMs)), opts.timeoutMs)
      opts.signal?.addEventListener('abort', onAbort, { once: true })
      this.waiting.set(id, {
        resolve: (v) => { finish(); resolve(v as Remote[K]['result']) },
        reject: (e) => { finish(); reject(e) }
      })
      this.post({ kind: 'call', id, method, params } as CallOf<Remote>, opts.transfer ?? [])
    })
  }

  /** Tells the other side to stop work for call `id` (e.g. a stream no longer read). */
  cancel (id: number): void { this.post({ kind: 'cancel', id }, []) }

  close (): void {
    if (this.closed) return
    this.closed = true
    for (const w of this.waiting.values()) w.reject(new RpcClosed())
    this.waiting.clear()
    for (const c of this.serving.values()) c.abort()
    this.serving.clear()
    this.port.onmessage = null
    this.port.close()
  }

  get isClosed (): boolean { return this.closed }

  private post (msg: Outgoing<Remote, Local, RemoteNotes>, transfer: Transferable[]): void {
    if (this.closed) return
    try { this.port.postMessage(msg, transfer) } catch (err) {
      // A transfer the platform refuses (Safari: streams) must reach the caller as an error.
      if (msg.kind === 'result') this.port.postMessage({ kind: 'error', id: msg.id, message: String(err) }, [])
      else throw err
    }
  }

  private receive (msg: Outgoing<Local, Remote, LocalNotes>): void {
    if (!msg || typeof msg !== 'object') return
    switch (msg.kind) {
      case 'call': void this.serve(msg.id, msg.method, msg.params); break
      case 'cancel': this.serving.get(msg.id)?.abort(); this.serving.delete(msg.id); break
      case 'result': this.waiting.get(msg.id)?.resolve(msg.value); break
      case 'error': this.waiting.get(msg.id)?.reject(new RpcRemoteError(msg.message)); break
      case 'note': this.listeners.get(msg.name)?.(msg.payload); break
    }
  }

  private async serve (id: number, method: string, params: unknown): Promise<void> {
    const fn = this.handlers.get(method)
    if (!fn) { this.post({ kind: 'error', id, message: `no method ${method}` }, []); return }
    const ctl = new AbortController()
    this.serving.set(id, ctl)
    let held: Promise<unknown> | null = null
    const ctx: HandlerContext = { signal: ctl.signal, holdUntil: (p) => { held = p } }
    try {
      const answer = await fn(params, ctx)
      const out = answer !== null && typeof answer === 'object' && TRANSFER in answer
        ? answer as unknown as Transferring<unknown>
        : { value: answer, transfer: [] }
      this.post({ kind: 'result', id, method, value: out.value } as ResultOf<Local>, out.transfer)
    } catch (err) {
      // An engine exception is an answer, not a silence the caller waits out.
      this.post({ kind: 'error', id, message: err instanceof Error ? err.message : String(err) }, [])
    }
    if (held) await (held as Promise<unknown>).catch(() => {})
    this.serving.delete(id)
  }
}
