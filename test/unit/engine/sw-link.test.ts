// The engine's link to the SW: hands over a port (with the site's storage
// budget), attaches again when the SW asks (it restarted) or a new SW takes
// control, keeps the SW awake with a heartbeat, and says goodbye on pagehide.
// The page's service worker container is an EventTarget standing in for it.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { PageToSw } from '../../../src/shared/protocol.js'

let posted: PageToSw[]
let container: EventTarget & { controller: { postMessage: (m: PageToSw) => void } | null }

beforeEach(() => {
  posted = []
  container = Object.assign(new EventTarget(), { controller: { postMessage: (m: PageToSw) => { posted.push(m) } } })
  vi.stubGlobal('navigator', { serviceWorker: container })
  vi.stubGlobal('window', new EventTarget())
  vi.useFakeTimers()
})
afterEach(() => { vi.useRealTimers(); vi.unstubAllGlobals() })

describe('linkToSw', () => {
  it('attaches, re-attaches on need-leader and controllerchange, beats, and says bye', async () => {
    const { linkToSw } = await import('../../../src/engine/sw-link.js')
    const links: unknown[] = []
    const link = linkToSw({ infoHash: 'a'.repeat(40), storageBudget: 1234, onLink: (l) => links.push(l) })
    const leaders = (): Array<Extract<PageToSw, { type: 'swarmcdn:leader' }>> => posted.filter((m): m is Extract<PageToSw, { type: 'swarmcdn:leader' }> => m.type === 'swarmcdn:leader')
    expect(leaders()).toHaveLength(1)
    expect(leaders()[0]).toMatchObject({ infoHash: 'a'.repeat(40), storageBudget: 1234 })
    expect(links).toHaveLength(1)

    container.dispatchEvent(Object.assign(new Event('message'), { data: { type: 'swarmcdn:need-leader' } }))
    container.dispatchEvent(new Event('controllerchange'))
    expect(leaders()).toHaveLength(3)
    expect(links).toHaveLength(3)
    expect(link.current()).toBe(links[2])

    vi.advanceTimersByTime(10_000)
    expect(posted.filter((m) => m.type === 'swarmcdn:heartbeat')).toHaveLength(1)

    // The SW's end of the current port hears the goodbye.
    const port = leaders()[2]!.port
    const heard = new Promise((resolve) => { port.onmessage = (e) => resolve(e.data) })
    window.dispatchEvent(new Event('pagehide'))
    vi.useRealTimers()
    expect(await heard).toMatchObject({ kind: 'note', name: 'bye' })

    link.stop()
    container.dispatchEvent(new Event('controllerchange'))
    expect(leaders()).toHaveLength(3) // stopped: no more attaching
    port.close()
  })
})
