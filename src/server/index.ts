// Public surface of the node-side server: `swarmcdn serve` and `swarmcdn tracker`
// as functions, for the CLI, tests and benchmarks.
//
//   const origin = await startServer({ dir: 'dist', port: 0 })
//   origin.url         // http://127.0.0.1:PORT/  static files (Range, ETag, MIME, CORS)
//   origin.trackerUrl  // ws://127.0.0.1:PORT/announce  WebSocket tracker (published releases only)
//   origin.statsUrl    // GET → JSON ground truth (bytes the origin sent, per path; tracker peers)
//   origin.metricsUrl  // GET → Prometheus text
//   await origin.close()
//
//   const tracker = await startTracker({ port: 0, allow: [infoHash] })
export { startServer, STATS_PATH, STATS_RESET_PATH, METRICS_PATH, HISTORY_PATH } from './origin.js'
export { REPORT_PATH, MAX_REPORT_BODY_BYTES, MAX_REPORT_FIGURE, REPORT_BURST, REPORTS_PER_SECOND } from './reports.js'
export type { ReportedStatsJson, ReportRefusal } from './reports.js'
export { HISTORY_DAYS, RANGES } from './history.js'
export type { HistoryJson, HistoryPoint, HistoryRange } from './history.js'
export type { ServerOptions, RunningServer } from './origin.js'
export { startTracker, TRACKER_STATS_PATH } from './standalone-tracker.js'
export type { TrackerOptions, RunningTracker } from './standalone-tracker.js'
export { ANNOUNCE_PATH, MAX_MESSAGE_BYTES, MAX_CONNECTIONS, MESSAGES_PER_SECOND, MESSAGE_BURST, UNKNOWN_INFOHASH_REASON } from './tracker.js'
export type { RejectReason } from './tracker.js'
export { ICE_PATH, DEFAULT_TURN_TTL_SECONDS, MAX_TURN_TTL_SECONDS, mintTurnCredential, iceJson, turnConfig } from './turn.js'
export type { IceJson, IceServer, TurnConfig, TurnCredential } from './turn.js'
export { MAX_TRACKED_PATHS, OTHER_PATHS } from './stats.js'
export type { StatsJson, OriginStatsJson, TrackerStatsJson, ReleaseStatsJson, PathCounters } from './stats.js'
