// A small seeded PRNG (mulberry32) so every fuzz failure reproduces from its seed.
export { mulberry32 as prng } from '../../../scripts/prng.mjs'

export function pick<T> (rnd: () => number, items: readonly T[]): T {
  return items[Math.floor(rnd() * items.length)]!
}

export function int (rnd: () => number, lo: number, hi: number): number {
  return lo + Math.floor(rnd() * (hi - lo + 1))
}
