// What page.evaluate() callbacks see of the loader's public API.
interface SwarmcdnPageApi extends EventTarget {
  ready: Promise<boolean>
  stats: () => Promise<Record<string, any> & { peers: number, engine: any }>
  optOut: () => Promise<void>
  optIn: () => Promise<void>
  disable: () => Promise<void>
  p2pBlockedReason: () => string | null
}
interface Window { swarmcdn?: SwarmcdnPageApi }
