// Test-only declaration: the engine tests drive real bittorrent-protocol wires
// through the slice of the Wire type the engine itself declares.
declare module 'bittorrent-protocol' {
  const Wire: new () => unknown
  export default Wire
}
