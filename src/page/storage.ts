// The visitor's choices, in localStorage: shared by every tab of the origin,
// and a change fires `storage` in the other tabs, which is how an opt-out in
// one tab stops P2P in all of them at once (issue 18).
// Per site: two swarmcdn sites on one origin under different paths share its
// localStorage, and disable() on one must not switch off the other. The root
// scope keeps the names it always had (cache-keys.ts scopedName). Exported as
// live bindings, set once by useStorageScope before any is read.
import { scopedName } from '../shared/cache-keys.js'

export let OPTOUT_KEY = 'swarmcdn:optout'
export let CONSENT_KEY = 'swarmcdn:consent'
/** The site's kill switch fired: re-check the manifest before registering again. */
export let KILLED_KEY = 'swarmcdn:killed'
/** The visitor called disable(): no service worker until optIn(). */
export let DISABLED_KEY = 'swarmcdn:disabled'

/** The loader's scope (its site): every key above becomes that site's own. */
export function useStorageScope (scope: string): void {
  OPTOUT_KEY = scopedName('swarmcdn:optout', scope)
  CONSENT_KEY = scopedName('swarmcdn:consent', scope)
  KILLED_KEY = scopedName('swarmcdn:killed', scope)
  DISABLED_KEY = scopedName('swarmcdn:disabled', scope)
}

export function store (key: string, value: string | null): void {
  try { value === null ? localStorage.removeItem(key) : localStorage.setItem(key, value) } catch { /* storage off */ }
}

export function load (key: string): string | null {
  try { return localStorage.getItem(key) } catch { return null }
}
