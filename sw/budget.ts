// How many bytes the verified store may hold. A site sets it with
// `data-storage-budget` (the leader's engine hands it over with its port); the
// default is bounded by what the browser grants this origin.
import { get, set } from 'idb-keyval'
import { idbKey } from '../src/shared/cache-keys.js'

declare const self: ServiceWorkerGlobalScope

/** Per scope: each swarmcdn site on the origin sets its own budget (cache-keys.ts). */
const BUDGET_KEY = idbKey('budget', self.registration.scope)
/**
 * Default budget: enough for a media-heavy site's assets, small next to the
 * quota a desktop browser grants (Chromium: up to 60 % of free disk).
 */
export const DEFAULT_STORAGE_BUDGET = 512 * 1024 * 1024
/** Share of the origin's quota the store takes at most: the site's own storage needs the rest. */
const QUOTA_SHARE = 0.5
/** estimate() is an IPC round trip; its answer changes slowly. */
const ESTIMATE_TTL_MS = 30_000

let configured: number | null | undefined
let estimate: { quota: number, at: number } | null = null

/** The site's `data-storage-budget`, remembered across SW restarts. */
export async function setConfiguredBudget (bytes: number | undefined): Promise<void> {
  const v = typeof bytes === 'number' && Number.isFinite(bytes) && bytes >= 0 ? bytes : null
  if (v === configured) return
  configured = v
  try { await set(BUDGET_KEY, v) } catch { /* no IndexedDB: this SW run only */ }
}

async function quota (): Promise<number> {
  if (estimate && Date.now() - estimate.at < ESTIMATE_TTL_MS) return estimate.quota
  let q = Infinity
  try { q = (await navigator.storage?.estimate?.())?.quota ?? Infinity } catch { /* unknown: no bound */ }
  estimate = { quota: q, at: Date.now() }
  return q
}

/** The current budget in bytes: the site's, or the default, never more than QUOTA_SHARE of the quota. */
export async function storageBudget (): Promise<number> {
  if (configured === undefined) {
    try { configured = (await get<number | null>(BUDGET_KEY)) ?? null } catch { configured = null }
  }
  const cap = (await quota()) * QUOTA_SHARE
  return Math.min(configured ?? DEFAULT_STORAGE_BUDGET, cap)
}

/** Forget the cached estimate (after a quota error the browser's view changed). */
export function refreshEstimate (): void { estimate = null }
