export const NS_PREFIX: string
export const PUBLIC_ADDRESS: string
export const RESIDENTIAL: { downMbit: number, upMbit: number }
export interface HomeOptions { nat?: 'cone' | 'symmetric', downMbit?: number, upMbit?: number, blockUdp?: boolean }
export interface Home { ns: string, router: string, address: string, publicAddress: string, nat: 'cone' | 'symmetric', blockUdp: boolean, downMbit: number, upMbit: number }
export interface Internet {
  pub: string
  publicAddress: string
  prefix: string
  addHome: (opts?: HomeOptions) => Promise<Home>
  exec: (ns: string, file: string, ...args: string[]) => Promise<string>
  close: () => Promise<void>
}
export function netnsUnavailable (): Promise<string | null>
export function sweepStale (): void
export function createInternet (): Promise<Internet>
