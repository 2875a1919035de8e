export declare const GENERATOR_VERSION: number
/** Writes the demo's binary assets into `out` (default demo-site/), unless a matching stamp says they are there. */
export declare function generateDemo (opts?: { out?: string, force?: boolean, log?: (line: string) => void }): Promise<{ out: string, files: Record<string, number>, generated: boolean }>
export declare function mp4Of (width: number, height: number, fps: number, seconds: number): Promise<Buffer>
