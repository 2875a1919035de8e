/** One step of the SW's fetch routing (after ipfs/service-worker-gateway's handlers). */
export interface Handler {
  name: string
  /** Synchronous: decides whether `respondWith` is called at all. */
  canHandle: (event: FetchEvent) => boolean
  handle: (event: FetchEvent) => void
}
