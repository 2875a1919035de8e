import type { Browser, Page } from 'playwright-core'

export interface SwMemorySample { heapUsed: number, backingStore: number, total: number }
export interface SwMemory { sample: () => Promise<SwMemorySample>, detach: () => Promise<void> }
export declare function attachSwMemory (browser: Browser, page: Page): Promise<SwMemory>
export declare function sampleWhile (mem: SwMemory, everyMs?: number): { stop: () => Promise<{ samples: Array<SwMemorySample & { at: number }>, peak: number }> }
