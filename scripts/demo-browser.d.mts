import type { Browser, BrowserContext, Page } from 'playwright-core'

export declare function chromiumPath (): string | undefined
export declare const CHROMIUM_ARGS: string[]
export declare function launch (): Promise<Browser>

export interface FilmResponse { status: number, source: string | null, range: string | null, fromServiceWorker: boolean }
export interface ShopVisit {
  context: BrowserContext
  page: Page
  errors: string[]
  /** Every response the second page view got for the film, in order. */
  film: FilmResponse[]
  video: { before: number, after: number, readyState: number, error: number | null }
  /** Whether the service worker controlled the landing page (never on a first visit) and the second page view. */
  controlled: { landing: boolean, second: boolean }
  downloaded: number
  /** window.swarmcdn.stats() right after browsing. */
  stats: VisitorStats
}
export interface VisitorStats {
  bytesFromPeers: number
  bytesFromOrigin: number
  bytesFromCache: number
  bytesUploaded: number
  peers: number
  assets: Record<string, { source: 'peer' | 'origin' | 'cache', bytes: number, at: number, reason?: string }>
}
export declare function browseShop (browser: Browser, baseUrl: string, opts?: { download?: boolean, seekTo?: number, timeoutMs?: number, secondPageAfterMs?: number, userAgent?: string }): Promise<ShopVisit>
