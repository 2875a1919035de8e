// The engine's link to the service worker: hands the SW a MessagePort (again
// whenever the SW restarted and asks, or a new SW took control), keeps the SW
// alive with a heartbeat, and says goodbye on pagehide so the next page's
// requests never wait on a port nobody reads.
import type { EngineMethods, EngineNotes, PageToSw, SwMethods, SwNotes, SwToPage } from '../shared/protocol.js'
import { RpcPeer } from '../shared/rpc.js'

export type EngineLink = RpcPeer<EngineMethods, SwMethods, SwNotes, EngineNotes>

/**
 * Messages on a MessagePort do not keep a service worker alive (Chromium stops
 * it after ~30 s without events); a message to the SW itself does.
 */
const SW_HEARTBEAT_MS = 10_000

export interface SwLinkOptions {
  infoHash: string
  storageBudget?: number
  /** Installs handlers on each new link (called again after a re-attach). */
  onLink: (link: EngineLink) => void
}

export interface SwLink {
  /** The current link, if the page is controlled. */
  current: () => EngineLink | null
  stop: () => void
}

function postToSw (msg: PageToSw, transfer: Transferable[] = []): void {
  navigator.serviceWorker?.controller?.postMessage(msg, transfer)
}

export function linkToSw (opts: SwLinkOptions): SwLink {
  let link: EngineLink | null = null
  const attach = (): void => {
    if (!navigator.serviceWorker?.controller) return
    link?.close()
    const ch = new MessageChannel()
    link = new RpcPeer(ch.port1)
    opts.onLink(link)
    postToSw({ type: 'swarmcdn:leader', port: ch.port2, infoHash: opts.infoHash, ...(opts.storageBudget !== undefined ? { storageBudget: opts.storageBudget } : {}) }, [ch.port2])
  }
  const onSwMessage = (e: MessageEvent<SwToPage | null>): void => {
    if (e.data?.type === 'swarmcdn:need-leader') attach()
  }
  const onPageHide = (): void => { link?.notify('bye', {}) }
  attach()
  navigator.serviceWorker.addEventListener('message', onSwMessage)
  navigator.serviceWorker.addEventListener('controllerchange', attach)
  window.addEventListener('pagehide', onPageHide)
  const heartbeat = setInterval(() => postToSw({ type: 'swarmcdn:heartbeat' }), SW_HEARTBEAT_MS)
  return {
    current: () => link,
    stop: () => {
      clearInterval(heartbeat)
      window.removeEventListener('pagehide', onPageHide)
      navigator.serviceWorker.removeEventListener('message', onSwMessage)
      navigator.serviceWorker.removeEventListener('controllerchange', attach)
      link?.notify('bye', {})
      link?.close()
      link = null
    }
  }
}

/** One question to the SW over a fresh channel (manifest, before any link exists), with a deadline. */
export async function askSw<T> (type: 'swarmcdn:manifest', timeoutMs = 5000): Promise<T | null> {
  const sw = navigator.serviceWorker?.controller
  if (!sw) return null
  const ch = new MessageChannel()
  const answer = new Promise<T>((resolve) => { ch.port1.onmessage = (e) => resolve(e.data as T) })
  const msg: PageToSw = { type, reply: ch.port2 }
  sw.postMessage(msg, [ch.port2])
  let timer: ReturnType<typeof setTimeout> | undefined
  const timeout = new Promise<null>((resolve) => { timer = setTimeout(() => resolve(null), timeoutMs) })
  const r = await Promise.race([answer, timeout])
  clearTimeout(timer)
  ch.port1.close()
  return r
}
