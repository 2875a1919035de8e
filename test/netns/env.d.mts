import type { Browser } from 'playwright-core'
import type { Coturn } from './coturn.mjs'
import type { Home, HomeOptions, Internet } from './net.mjs'
import type { NetnsOrigin } from './origin.mjs'
import type { NetnsSite, IceServerJson } from './site.mjs'
export interface IceJson { iceServers: IceServerJson[], expiresAt: number }
export interface Environment {
  net: Internet
  secret: string
  homes: Home[]
  browsers: Browser[]
  coturn: Coturn
  origin: NetnsOrigin
  site: NetnsSite
  ice: IceJson
  close: () => Promise<void>
}
export function environmentUnavailable (): Promise<string | null>
export function startEnvironment (opts: { homes: HomeOptions[], variants: (coturn: Coturn, ice: IceJson) => Record<string, string> }): Promise<Environment>
