// Players a first visit started before the SW controlled the page (issue 14).
// Their metadata came natively from the origin, and Chromium's media loader
// refuses a built Response for an element that started on native responses
// (UrlData::ValidateDataOrigin), so the SW passes such a player through to
// the origin for as long as it lives (sw/sources/media.ts). Once a peer holds
// the film, a player that has not started playing is reloaded: the SW
// forgets how it started, and the element's new requests meet the SW from
// byte 0 and are answered from peers. A player that plays, or has played, is
// never touched: a viewer is never interrupted.
import type { Manifest, ManifestAsset } from '../shared/manifest.js'
import type { PageToSw } from '../shared/protocol.js'

/** The SW answers a reset within this time, or the player stays as it is. */
const RESET_ANSWER_MS = 1000

export interface PlayerWatch {
  /** Looks again (a peer's pieces changed): reloads the players a peer can now serve. */
  check: () => void
  stop: () => void
}

/** The manifest path of a player's source, or null when it is not a manifest asset of this origin. */
function assetPath (manifest: Manifest, src: string): string | null {
  if (!src) return null
  try {
    const u = new URL(src, location.href)
    return u.origin === location.origin && u.pathname in manifest.assets ? u.pathname : null
  } catch { return null }
}

/** Asks the SW to answer these players from their next request at byte 0 (media.ts). */
async function resetInSw (paths: string[]): Promise<boolean> {
  const sw = navigator.serviceWorker?.controller
  if (!sw) return false
  const ch = new MessageChannel()
  const answer = new Promise<boolean>((resolve) => { ch.port1.onmessage = (e) => resolve(e.data === true) })
  sw.postMessage({ type: 'swarmcdn:players-reset', paths, reply: ch.port2 } satisfies PageToSw, [ch.port2])
  let timer: ReturnType<typeof setTimeout> | undefined
  const ok = await Promise.race([answer, new Promise<boolean>((resolve) => { timer = setTimeout(() => resolve(false), RESET_ANSWER_MS) })])
  clearTimeout(timer)
  ch.port1.close()
  return ok
}

/** Never played, not asked to play, not seeking: reloading it shows the viewer nothing but its first frame again. */
function untouched (el: HTMLMediaElement): boolean {
  return el.paused && el.played.length === 0 && !el.seeking
}

/**
 * load() runs the element's resource selection again, from the same src or
 * <source>. Chromium keeps what a player read per URL and CORS mode for the
 * next player of that URL in the frame (media/blink UrlIndex), together with
 * the origin its bytes came from: a reloaded element would resume from the
 * bytes it had, still bound to the native origin, and refuse the SW's
 * answers. CORS mode `anonymous` is a fresh entry, and for a same-origin
 * asset it changes nothing else (credentials are still sent, no check can
 * fail), so an element without the attribute gets it.
 */
function reload (el: HTMLMediaElement): void {
  const at = el.currentTime
  const rate = el.playbackRate
  if (el.crossOrigin === null) el.crossOrigin = 'anonymous'
  if (at > 0) el.addEventListener('loadedmetadata', () => { if (el.currentTime === 0) el.currentTime = at }, { once: true })
  el.load()
  // load() resets the rate to defaultPlaybackRate (HTML, media element load algorithm).
  el.playbackRate = rate
}

/**
 * Watches the media elements of a page that was not controlled when it
 * loaded. Only elements present now: any created later asks the SW from its
 * start. `peersHold` says whether this tab or a connected peer holds an asset.
 */
export function watchPlayers (manifest: Manifest, peersHold: (a: ManifestAsset) => boolean): PlayerWatch {
  const pending = new Set(document.querySelectorAll<HTMLMediaElement>('video, audio'))
  let busy = false
  let again = false
  let stopped = false

  const check = (): void => {
    if (stopped || pending.size === 0) return
    if (busy) { again = true; return }
    const byPath = new Map<string, HTMLMediaElement[]>()
    const leftAlone = new Set<string>()
    for (const el of pending) {
      // Still choosing its source: later. None at all: its first request will be the SW's.
      if (!el.currentSrc) { if (el.networkState === el.NETWORK_EMPTY) pending.delete(el); continue }
      const path = assetPath(manifest, el.currentSrc)
      // Not ours, or nothing fetched yet (preload="none"): nothing to hand over.
      if (!path || (el.readyState === el.HAVE_NOTHING && el.networkState === el.NETWORK_IDLE)) { pending.delete(el); continue }
      if (!untouched(el)) { pending.delete(el); leftAlone.add(path); continue }
      byPath.set(path, [...(byPath.get(path) ?? []), el])
    }
    // The SW decides per page and path: a path with a playing player keeps passing through.
    for (const p of leftAlone) {
      for (const el of byPath.get(p) ?? []) pending.delete(el)
      byPath.delete(p)
    }
    const ready = [...byPath].filter(([p]) => peersHold(manifest.assets[p]!))
    if (ready.length === 0) return
    busy = true
    void resetInSw(ready.map(([p]) => p)).then((ok) => {
      if (!ok || stopped) return
      for (const [, els] of ready) {
        for (const el of els) {
          pending.delete(el)
          // It may have started playing while the SW answered.
          if (untouched(el)) reload(el)
        }
      }
    }).finally(() => {
      busy = false
      if (again) { again = false; check() }
    })
  }

  return { check, stop: () => { stopped = true; pending.clear() } }
}
