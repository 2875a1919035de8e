import type { TorrentFile } from 'webtorrent/dist/webtorrent.min.js'

type FileIterator = ReturnType<TorrentFile[typeof Symbol.asyncIterator]>

/**
 * Ends a file read whichever iterator webtorrent handed out: a FileIterator
 * has destroy(), the async generator it returns for a complete file has only
 * return() — calling destroy() on it threw in the serving tab.
 */
export function endRead (it: FileIterator): void {
  try {
    if (typeof it.destroy === 'function') it.destroy()
    else void it.return?.().catch(() => {})
  } catch { /* already ended */ }
}
