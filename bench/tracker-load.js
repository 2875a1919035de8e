// One load-generator process of the tracker capacity bench: holds a slice of
// the simulated peers (one process's open-files limit caps how many), driven
// by the bench over IPC. Each peer speaks as WebTorrent does (bench/tracker.js).
import { Peer } from './tracker-peer.js'

const peers = []

async function open ({ urls, from, count, batch }) {
  let failed = 0
  for (let i = 0; i < count; i += batch) {
    const group = []
    for (let j = i; j < Math.min(count, i + batch); j++) {
      const n = from + j
      const p = new Peer(urls[n % urls.length], n)
      group.push(p.open().then(() => p.announce('started')).then(() => { peers.push(p) }, () => { failed++; p.close() }))
    }
    await Promise.all(group)
  }
  return { open: peers.length, failed, lost: Peer.lost, failures: peers.reduce((s, p) => s + (p.failures ?? 0), 0) }
}

async function steady ({ ms }) {
  for (const p of peers) p.answerOffers = false
  let announces = 0
  let stop = false
  const loops = peers.map(async (p) => { while (!stop) { await p.announce(); announces++ } })
  await new Promise((resolve) => setTimeout(resolve, ms))
  stop = true
  const counted = announces
  for (const p of peers) { const w = p.waiting; p.waiting = null; w?.() }
  await Promise.race([Promise.all(loops), new Promise((resolve) => setTimeout(resolve, 2000))])
  return { announces: counted }
}

process.on('message', (m) => {
  const run = m.cmd === 'open' ? open(m) : m.cmd === 'steady' ? steady(m) : null
  if (m.cmd === 'close') {
    for (const p of peers) p.close()
    process.exit(0)
  }
  run?.then((r) => process.send({ id: m.id, ...r }), (err) => process.send({ id: m.id, error: String(err?.message ?? err) }))
})
process.on('disconnect', () => { process.exit(0) })
