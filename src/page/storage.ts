// The visitor's choices, in localStorage: shared by every tab of the origin,
// and a change fires `storage` in the other tabs, which is how an opt-out in
// one tab stops P2P in all of them at once (issue 18).
export const OPTOUT_KEY = 'swarmcdn:optout'
export const CONSENT_KEY = 'swarmcdn:consent'
/** The site's kill switch fired: re-check the manifest before registering again. */
export const KILLED_KEY = 'swarmcdn:killed'
/** The visitor called disable(): no service worker until optIn(). */
export const DISABLED_KEY = 'swarmcdn:disabled'

export function store (key: string, value: string | null): void {
  try { value === null ? localStorage.removeItem(key) : localStorage.setItem(key, value) } catch { /* storage off */ }
}

export function load (key: string): string | null {
  try { return localStorage.getItem(key) } catch { return null }
}
