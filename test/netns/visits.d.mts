import type { Browser, BrowserContext, Page } from 'playwright-core'
export interface SwarmStats { peers: number, engine?: Record<string, unknown>, bytesFromPeers: number, bytesFromOrigin: number, [k: string]: unknown }
export function waitForEngine (page: Page, timeout?: number): Promise<SwarmStats>
export function waitForPeers (page: Page, n?: number, timeout?: number): Promise<SwarmStats>
export function waitForSeed (page: Page, timeout?: number): Promise<SwarmStats>
export function waitControlled (page: Page, timeout?: number): Promise<void>
export function seed (browser: Browser, base: string, variant: string, paths: string[]): Promise<{ context: BrowserContext, page: Page }>
export function fetchEach (page: Page, paths: string[]): Promise<Record<string, { source: string | null, sha256: string }>>
export function assetHashes (page: Page, paths: string[]): Promise<Record<string, string>>
export const LANDING_DWELL_MS: number
export interface PageView {
  load: number
  /** Each asset's responseEnd, ms after navigation start. */
  ends: Record<string, number>
  /** Each asset's Resource Timing: start, first byte and end, ms after navigation start. */
  timing: Record<string, { start: number, firstByte: number, end: number }>
  /** The SW's delivery of each asset (source, bytesBySource, reason), with swarmcdn. */
  deliveries: Record<string, Record<string, unknown> | null>
  assets: Record<string, 'peer' | 'origin' | 'cache' | null>
  bytesFromPeers: number
  bytesFromOrigin: number
  peers?: number
  peerMs: number | null
  hashes: Record<string, string>
  /** Asset bytes the origin sent for this view, by its own counter (alternatedViews with `origin`). */
  originAssetBytes?: number
}
export function pageView (browser: Browser, base: string, variant: string, paths: string[], opts?: { needPeers?: boolean, dwellMs?: number, peerTimeoutMs?: number }): Promise<PageView>
export function firstPeer (browser: Browser, url: string, timeoutMs?: number): Promise<{ ms: number | null, engineStartMs: number | null }>
export function alternatedViews (browser: Browser, base: string, variant: string, paths: string[], reps: number, opts?: { needPeers?: boolean, dwellMs?: number, peerTimeoutMs?: number, origin?: { reset: () => Promise<void>, stats: () => Promise<{ origin: { byPath: Record<string, { bytes: number }> } }> } }): Promise<{ plain: PageView[], swarm: PageView[], plainMs: number, swarmMs: number }>
export function median (xs: number[]): number
