import type { Browser } from 'puppeteer-core'

export declare function firefoxPath (): string | undefined
export declare const FIREFOX_PREFS: Record<string, unknown>
export declare function launchFirefox (opts?: { prefs?: Record<string, unknown> }): Promise<Browser>
