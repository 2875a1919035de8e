// The part of pngjs (a dev dependency) the tests use; it ships no types.
declare module 'pngjs' {
  export class PNG {
    constructor (opts: { width: number, height: number, colorType?: number })
    data: Buffer
    static sync: { write: (png: PNG, opts?: { colorType?: number }) => Buffer }
  }
}
