// Hashing progress on stderr, only for a person watching a terminal: never
// when stderr is a pipe or file (CI logs), never with --json.
import cliProgress from 'cli-progress'

/** Below this the whole publish takes well under a second; a bar would only flicker. */
const MIN_BYTES_FOR_BAR = 64 * 1024 * 1024

export interface Progress {
  update: (bytesDone: number, bytesTotal: number) => void
  stop: () => void
}

export function createProgress (stream: NodeJS.WriteStream): Progress | null {
  if (stream.isTTY !== true) return null
  let bar: cliProgress.SingleBar | null = null
  return {
    update: (done, total) => {
      if (total < MIN_BYTES_FOR_BAR) return
      if (bar === null) {
        bar = new cliProgress.SingleBar({
          stream,
          format: 'hashing [{bar}] {percentage}% | {value}/{total} MiB | {eta}s',
          hideCursor: true,
          clearOnComplete: true
        }, cliProgress.Presets.shades_classic)
        bar.start(Math.ceil(total / 2 ** 20), 0)
      }
      bar.update(Math.floor(done / 2 ** 20))
    },
    stop: () => { bar?.stop() }
  }
}
