// Tracker capacity (DESIGN §4): concurrent peers and announces per second one
// `swarmcdn tracker` process holds, and its resident memory. Driven by many
// WebSocket clients speaking as WebTorrent does (JSON text frames, 20-byte
// latin1 info_hash / peer_id, 2 offers per announce as the engine sends, answers relayed back).
import { WebSocket } from 'ws'
import { bytes, cpuSeconds, rssBytes, sleep, tracker } from './lib.js'

/** Peers per swarm: a popular page's visitors online at once on a small site. */
const SWARM_SIZE = 20
/** Concurrent peers held, measured in steps (RSS at each). */
const PEER_STEPS = [1000, 4000]
/** Offers per announce: what the engine asks bittorrent-tracker for (OFFERS_PER_ANNOUNCE in src/engine). */
const OFFERS = 2
/** Connections opened at once while ramping up. */
const CONNECT_BATCH = 200
/** Length of the steady announce phase. */
const STEADY_MS = 8000

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

const bin = (buf) => buf.toString('latin1')

class Peer {
  constructor (url, n) {
    this.n = n
    this.infoHash = bin(bytes(20, 1_000_000 + Math.floor(n / SWARM_SIZE)))
    this.peerId = bin(Buffer.concat([Buffer.from('-WW0300-'), bytes(12, n)]))
    this.url = url
    this.answerOffers = true
    this.waiting = null
    this.offerSeq = 0
    this.sdpOffer = fakeSdp(n, 'offer')
    this.sdpAnswer = fakeSdp(n, 'answer')
  }

  open () {
    return new Promise((resolve, reject) => {
      this.ws = new WebSocket(this.url, { perMessageDeflate: false })
      this.ws.once('open', resolve)
      this.ws.once('error', reject)
      this.ws.on('message', (data) => this.onMessage(JSON.parse(data.toString())))
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

  close () { this.ws?.terminate() }
}

export async function trackerCapacity () {
  const t = await tracker()
  const peers = []
  const steps = []
  try {
    await sleep(300)
    const idleRss = rssBytes(t.pid)
    for (const target of PEER_STEPS) {
      const t0 = Date.now()
      while (peers.length < target) {
        const batch = []
        for (let i = 0; i < CONNECT_BATCH && peers.length < target; i++) {
          const p = new Peer(t.url, peers.length)
          peers.push(p)
          batch.push(p.open().then(() => p.announce('started')))
        }
        await Promise.all(batch)
      }
      const joinMs = Date.now() - t0
      await sleep(500)
      const s = await t.stats()
      steps.push({ peers: s.peers, connections: s.connections, swarms: s.swarms, joinMs, rssBytes: rssBytes(t.pid) })
    }
    // Steady phase: every peer re-announces (with offers) as soon as its last
    // announce was answered. Offers relayed now are not answered: these peers
    // already have their connections.
    for (const p of peers) p.answerOffers = false
    const before = await t.stats()
    const cpu0 = cpuSeconds(t.pid)
    const t0 = Date.now()
    let stop = false
    const loops = peers.map(async (p) => { while (!stop) await p.announce() })
    await sleep(STEADY_MS)
    stop = true
    const wallS = (Date.now() - t0) / 1000
    const after = await t.stats()
    const cpuS = cpuSeconds(t.pid) - cpu0
    const rssSteady = rssBytes(t.pid)
    for (const p of peers) { const w = p.waiting; p.waiting = null; w?.() }
    await Promise.race([Promise.all(loops), sleep(2000)])
    return {
      swarmSize: SWARM_SIZE,
      offersPerAnnounce: OFFERS,
      idleRssBytes: idleRss,
      steps,
      steady: {
        peers: after.peers,
        announcesPerSec: (after.announces - before.announces) / wallS,
        trackerCpuShare: cpuS / wallS,
        rssBytes: rssSteady,
        rejected: after.rejected
      }
    }
  } finally {
    for (const p of peers) p.close()
    await t.close()
  }
}
