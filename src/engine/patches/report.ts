// The record of which patches applied, shared by every file of this folder
// and reported in EngineStatus.patches.

export type PatchName =
  | 'wire-batching' | 'no-redundant-have' | 'coalesced-updates' | 'flush-without-copy'
  | 'tracker-reconnect' | 'mark-verified' | 'mark-unverified' | 'ban-before-connect' | 'message-length-guard'
  | 'ice-complete-timeout' | 'ice-relay-ends-gathering' | 'request-pass-now'

/** Which patches applied; absent = not tried yet (e.g. no wire so far). */
export type PatchReport = Partial<Record<PatchName, boolean>>

export const report: PatchReport = {}
export const note = (name: PatchName, ok: boolean): boolean => { report[name] = ok; return ok }
