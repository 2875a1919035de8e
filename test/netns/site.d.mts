export const ASSETS: Record<string, { kind: string, size?: number, w?: number, h?: number }>
export interface IceServerJson { urls: string | string[], username?: string, credential?: string }
export function scriptTag (iceServers: IceServerJson[], extra?: string): string
export function stunAndTurn (coturn: { stun: string }, ice: { iceServers: IceServerJson[] }): Record<string, string>
export interface NetnsSite {
  dir: string
  paths: string[]
  sizes: Record<string, number>
  sha256: Record<string, string>
  total: number
  writePages: (variants: Record<string, string>) => Promise<void>
  cleanup: () => Promise<void>
}
export function makeSite (): Promise<NetnsSite>
