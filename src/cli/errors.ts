// Typed failures of publish/verify. The CLI prints `message` and exits 1; tests
// and the programmatic API switch on `reason`.

export type CliErrorReason =
  | 'dir-missing'
  | 'not-a-directory'
  | 'empty'
  | 'unreadable'
  | 'symlink-escape'
  | 'bad-name'
  | 'too-large'
  | 'changed-during-publish'
  | 'bad-piece-length'
  | 'bad-tracker'
  | 'bad-base'
  | 'runtime-missing'
  | 'manifest-missing'
  | 'manifest-invalid'

export class CliError extends Error {
  override name = 'CliError'
  readonly reason: CliErrorReason

  constructor (reason: CliErrorReason, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.reason = reason
  }
}
