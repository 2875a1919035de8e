import type { Page } from 'playwright-core'

export declare const FILM_PATH: string
export interface Film { seconds: number, kbps: number, width: number, height: number, fps: number }
export declare const FILM: Film
export declare const LONG_FILM: Film
export declare function makeFilm (file: string, film?: Film): Promise<Buffer>
export interface VideoSite { dir: string, film: Buffer, cleanup: () => Promise<void> }
export declare function makeVideoSite (tag: string, film?: Film): Promise<VideoSite>
export declare function playUntil (page: Page, untilSec: number, opts?: { rate?: number, stallMs?: number }): Promise<number>
export declare function seekTo (page: Page, sec: number, timeoutMs?: number): Promise<number>
export declare function pause (page: Page): Promise<void>
export declare function metadataLoaded (page: Page, timeoutMs?: number): Promise<unknown>
export declare function settled (read: () => number | Promise<number>, opts?: { quietMs?: number, timeoutMs?: number }): Promise<number>
