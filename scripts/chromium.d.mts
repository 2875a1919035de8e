import type { Browser } from 'playwright-core'

export declare function chromiumPath (): string | undefined
export declare const CHROMIUM_ARGS: string[]
export declare function launchChromium (extraArgs?: string[]): Promise<Browser>
