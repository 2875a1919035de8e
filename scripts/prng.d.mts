/** A seeded PRNG: numbers in [0, 1). */
export declare function mulberry32 (seed: number): () => number
