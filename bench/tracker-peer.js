// A simulated tracker client, speaking as WebTorrent does: JSON text frames,
// 20-byte latin1 info_hash / peer_id, OFFERS offers per announce, answers to
// the offers relayed to it.
import { WebSocket } from 'ws'
import { bytes } from './lib.js'

/** Peers per swarm: a popular page's visitors online at once on a small site. */
export const SWARM_SIZE = 20
/** Offers per announce: what the engine asks bittorrent-tracker for (OFFERS_PER_ANNOUNCE in src/engine). */
export const OFFERS = 2

/**
 * An SDP of the size Chromium sends with trickle off and no STUN (measured in
 * src/server/tracker.ts: ~0.7 KB with two host candidates).
 */
function fakeSdp (seed, type) {
  const fp = bytes(32, seed).toString('hex').match(/../g).join(':').toUpperCase()
  return [
    'v=0', `o=- ${4611686018427387904n + BigInt(seed)} 2 IN IP4 127.0.0.1`, 's=-', 't=0 0',
    'a=group:BUNDLE 0', 'a=extmap-allow-mixed', 'a=msid-semantic: WMS',
    'm=application 9 UDP/DTLS/SCTP webrtc-datachannel', 'c=IN IP4 0.0.0.0',
    `a=candidate:${seed} 1 udp 2113937151 127.0.0.1 ${40000 + (seed % 20000)} typ host generation 0 network-cost 999`,
    `a=candidate:${seed + 1} 1 tcp 1518280447 127.0.0.1 9 typ host tcptype active generation 0 network-cost 999`,
    `a=ice-ufrag:${bytes(4, seed).toString('hex')}`, `a=ice-pwd:${bytes(12, seed).toString('hex')}`,
    'a=ice-options:trickle', `a=fingerprint:sha-256 ${fp}`, `a=setup:${type === 'offer' ? 'actpass' : 'active'}`,
    'a=mid:0', 'a=sctp-port:5000', 'a=max-message-size:262144', ''
  ].join('\r\n')
}

const SDP_VARIANTS = 256
const sdps = new Map()
function sdp (n, type) {
  const key = `${type}${n % SDP_VARIANTS}`
  let s = sdps.get(key)
  if (s === undefined) sdps.set(key, s = fakeSdp(n % SDP_VARIANTS, type))
  return s
}

const bin = (buf) => buf.toString('latin1')

export class Peer {
  /** Peers whose connection the tracker closed (not `close()`d here). */
  static lost = 0
  constructor (url, n) {
    this.n = n
    this.infoHash = bin(bytes(20, 1_000_000 + Math.floor(n / SWARM_SIZE)))
    this.peerId = bin(Buffer.concat([Buffer.from('-WW0300-'), bytes(12, n)]))
    this.url = url
    this.answerOffers = true
    this.waiting = null
    this.offerSeq = 0
    // Shared among peers (the tracker relays SDPs without reading them), so
    // the load generator's memory per peer stays small.
    this.sdpOffer = sdp(n, 'offer')
    this.sdpAnswer = sdp(n, 'answer')
  }

  open () {
    return new Promise((resolve, reject) => {
      this.ws = new WebSocket(this.url, { perMessageDeflate: false })
      this.ws.once('open', resolve)
      this.ws.once('error', reject)
      this.ws.on('message', (data) => this.onMessage(JSON.parse(data.toString())))
      this.ws.once('close', () => { if (!this.closing) Peer.lost++ })
    })
  }

  onMessage (m) {
    if (m['failure reason']) { this.failures = (this.failures ?? 0) + 1; this.waiting?.(); return }
    if (m.offer && this.answerOffers) {
      this.send({ action: 'announce', info_hash: this.infoHash, peer_id: this.peerId, to_peer_id: m.peer_id, answer: { type: 'answer', sdp: this.sdpAnswer }, offer_id: m.offer_id })
      return
    }
    // The tracker's own answer to our announce carries the interval.
    if (m.interval !== undefined) { const w = this.waiting; this.waiting = null; w?.() }
  }

  send (msg) { this.ws.send(JSON.stringify(msg)) }

  /** One announce with offers; resolves when the tracker answered it. */
  announce (event) {
    const offers = []
    // 20-character ids, unique per peer and announce (WebTorrent uses random ones).
    for (let i = 0; i < OFFERS; i++) offers.push({ offer: { type: 'offer', sdp: this.sdpOffer }, offer_id: `${this.n}:${this.offerSeq++}`.padEnd(20, '.').slice(0, 20) })
    const answered = new Promise((resolve) => { this.waiting = resolve })
    this.send({ action: 'announce', info_hash: this.infoHash, peer_id: this.peerId, numwant: OFFERS, uploaded: 0, downloaded: 0, left: 1000, ...(event ? { event } : {}), offers })
    return answered
  }

  close () { this.closing = true; this.ws?.terminate() }
}

