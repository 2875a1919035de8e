// A WebSocket tracker client speaking as WebTorrent does (bittorrent-tracker
// lib/client/websocket-tracker.js): JSON text frames whose info_hash /
// peer_id are 20-byte latin1 "binary strings".
import { WebSocket, type RawData } from 'ws'
import { bin, peerId } from './helpers.js'

export type Msg = Record<string, unknown>

/** A WebSocket with a queue of parsed incoming messages. */
export class Client {
  readonly inbox: Msg[] = []
  private waiters: Array<() => void> = []
  closed: Promise<number>
  constructor (readonly ws: WebSocket) {
    ws.on('message', (data: RawData) => {
      this.inbox.push(JSON.parse(data.toString()) as Msg)
      for (const w of this.waiters.splice(0)) w()
    })
    this.closed = new Promise((resolve) => { ws.on('close', (code) => { resolve(code) }) })
    ws.on('error', () => {})
  }

  static async open (url: string): Promise<Client> {
    const ws = new WebSocket(url)
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => { resolve() })
      ws.once('error', reject)
    })
    return new Client(ws)
  }

  send (msg: unknown): void { this.ws.send(typeof msg === 'string' ? msg : JSON.stringify(msg)) }

  /** The next message that satisfies `match` (others stay queued). */
  async next (match: (m: Msg) => boolean = () => true, timeoutMs = 3000): Promise<Msg> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const i = this.inbox.findIndex(match)
      if (i >= 0) return this.inbox.splice(i, 1)[0]!
      const left = deadline - Date.now()
      if (left <= 0) throw new Error(`no matching message from the tracker (inbox: ${JSON.stringify(this.inbox).slice(0, 300)})`)
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left)
        this.waiters.push(() => { clearTimeout(t); resolve() })
      })
    }
  }

  close (): void { this.ws.terminate() }
}

export const isOffer = (m: Msg): boolean => m.offer !== undefined
export const isAnswer = (m: Msg): boolean => m.answer !== undefined
export const isReply = (m: Msg): boolean => m.interval !== undefined || m['failure reason'] !== undefined

/** An announce from peer `n` (the 20-character id peerId(n)). */
export function announce (infoHash: string, n: number, extra: Msg = {}): Msg {
  return { action: 'announce', info_hash: bin(infoHash), peer_id: peerId(n), numwant: 0, uploaded: 0, downloaded: 0, left: 0, event: 'started', offers: [], ...extra }
}

export function withOffers (infoHash: string, n: number, offerIds: string[], extra: Msg = {}): Msg {
  return announce(infoHash, n, { numwant: offerIds.length, left: 5, offers: offerIds.map((id) => ({ offer: { type: 'offer', sdp: `v=0 offer ${id}` }, offer_id: id })), ...extra })
}

export function answerTo (infoHash: string, n: number, to: string, offerId: string): Msg {
  return { action: 'announce', info_hash: bin(infoHash), peer_id: peerId(n), to_peer_id: to, answer: { type: 'answer', sdp: `v=0 answer ${offerId}` }, offer_id: offerId }
}
