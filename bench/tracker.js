// Tracker capacity (DESIGN §4): concurrent peers and announces per second one
// `swarmcdn tracker` process holds, and its resident memory. Driven by many
// WebSocket clients speaking as WebTorrent does (JSON text frames, 20-byte
// latin1 info_hash / peer_id, 2 offers per announce as the engine sends, answers relayed back).
import { cpuSeconds, rssBytes, sleep, tracker } from './lib.js'
import { Peer, SWARM_SIZE, OFFERS } from './tracker-peer.js'
/** Concurrent peers held, measured in steps (RSS at each). */
const PEER_STEPS = [1000, 4000]
/** Connections opened at once while ramping up. */
const CONNECT_BATCH = 200
/** Length of the steady announce phase. */
const STEADY_MS = 8000

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
