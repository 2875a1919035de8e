import type { Browser } from 'playwright-core'
export function launchInNamespace (ns: string, opts?: { secureOrigin?: string, extraArgs?: string[] }): Promise<Browser>
