export const TURN_PORT: number
export const TURN_REALM: string
export interface Coturn {
  address: string
  port: number
  stun: string
  turnUdp: string
  turnTcp: string
  log: () => string
  allocations: () => number
  close: () => Promise<void>
}
export function startCoturn (opts: { ns: string, address: string, secret: string, port?: number }): Promise<Coturn>
