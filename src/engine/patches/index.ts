// Every patch of a pinned third-party internal the engine makes (webtorrent
// 3.0.21 and the bittorrent-protocol / bittorrent-tracker copies its dist
// bundle carries), in this one folder: patch-package's discipline, in code.
// Each patch checks that its target exists, records whether it applied
// (report.ts, reported in EngineStatus.patches), and
// test/unit/engine/patches.test.ts fails on the installed bundle when one no
// longer applies. swarm.ts applies them to each torrent and wire.
//   wire.ts     fewer, fuller data channel messages
//   torrent.ts  one scheduling pass, no copy of one-block pieces, seeding
//               bytes verified elsewhere
//   tracker.ts  reconnect in seconds, offers within about a second without UDP
export { report, type PatchName, type PatchReport } from './report.js'
export { batchWire } from './wire.js'
export { checkTorrentTargets, checkWireTargets, coalesceUpdates, flushWithoutCopy, markUnverified, markVerified, requestPassNow } from './torrent.js'
export { fastIceOffers, fastTrackerReconnect, ICE_COMPLETE_MS } from './tracker.js'
