export const CLI: string
export interface NetnsOrigin {
  url: string
  origin: string
  stdout: () => string
  stderr: () => string
  stats: () => Promise<{ origin: { bytesServed: number, requests: number, byPath: Record<string, { bytes: number, requests: number }> }, tracker: { peers: number, swarms: number } }>
  reset: () => Promise<void>
  close: () => Promise<void>
}
export function fetchIn (ns: string, url: string, method?: string): Promise<{ status: number, body: string }>
export function startOrigin (opts: { ns: string, dir: string, address: string, extraArgs?: string[] }): Promise<NetnsOrigin>
