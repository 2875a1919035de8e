// Kill switch first: once the site disabled swarmcdn (manifest flag) or the
// visitor called disable(), nothing is intercepted and the registration is gone
// after this navigation.
import type { Handler } from './types.js'

let killed = false

export function markKilled (): void { killed = true }
export function isKilled (): boolean { return killed }

export const killSwitch: Handler = {
  name: 'kill-switch',
  // Claiming the request without respondWith lets the browser fetch natively.
  canHandle: () => killed,
  handle: () => {}
}
