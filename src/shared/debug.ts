// A tiny debug() facade: silent unless enabled (page: data-debug; SW: ?debug=1),
// so swarmcdn never writes to a site's console by default.
let enabled = false

export function setDebug (on: boolean): void { enabled = on }

export function makeDebug (ns: string): (...args: unknown[]) => void {
  return (...args: unknown[]) => {
    if (enabled) console.debug(`[swarmcdn:${ns}]`, ...args)
  }
}
