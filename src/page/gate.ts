// When this visitor's P2P may run: what the browser supports, the visitor's
// choices, the connection, and the page's own loading coming first.
import { CONSENT_KEY, OPTOUT_KEY, load } from './storage.js'

type Connection = EventTarget & { saveData?: boolean, type?: string }
export const connection = (): Connection | undefined => (navigator as Navigator & { connection?: Connection }).connection

export const supported = (): boolean => 'serviceWorker' in navigator && window.isSecureContext

/** Why P2P is off for this visitor, or null when it is allowed. */
export function p2pBlockedReason (optIn: boolean): string | null {
  if (!supported()) return 'no service worker'
  if (!('RTCPeerConnection' in window)) return 'no WebRTC'
  if (load(OPTOUT_KEY) === '1') return 'opted out'
  if (optIn && load(CONSENT_KEY) !== '1') return 'waiting for opt-in'
  const c = connection()
  if (c?.saveData) return 'Save-Data'
  if (c?.type === 'cellular') return 'cellular connection'
  return null
}

/** After the load event and an idle slot: the engine never competes with the page's critical loading. */
export function whenIdle (fn: () => void): void {
  const idle = (): void => {
    if ('requestIdleCallback' in window) requestIdleCallback(fn, { timeout: 2000 })
    else setTimeout(fn, 1)
  }
  if (document.readyState === 'complete') idle()
  else window.addEventListener('load', idle, { once: true })
}
