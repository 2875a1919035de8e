import { makeDebug, setDebug } from '../src/shared/debug.js'

declare const self: ServiceWorkerGlobalScope

setDebug(new URL(self.location.href).searchParams.get('debug') === '1')

export const debug = makeDebug('sw')
