export interface WebKitSession {
  capabilities: Record<string, unknown>
  goto: (url: string) => Promise<void>
  url: () => Promise<string>
  /** Runs `fn(arg)` (may be async) in the page; resolves to its JSON result. */
  run: <T, A = unknown>(fn: (arg: A) => T | Promise<T>, arg?: A) => Promise<T>
  driverLog: () => string
  close: () => Promise<void>
}
export declare function webkitDriverPath (): string | undefined
export declare function webkitBrowserPath (): string | undefined
export declare function webkitAvailable (): boolean
export declare function launchWebKit (opts?: { args?: string[] }): Promise<WebKitSession>
