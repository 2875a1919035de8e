export interface PageDef { title: string, images: string[], script: string, scriptFetches: string[], links: string[] }
export declare const PAGES: Record<string, PageDef>
export declare const IMAGE_SIZES: Record<string, number>
export declare function assetsOfPages (pages: string[]): Set<string>
export declare function seededBytes (size: number, seed: number): Buffer
export declare function png (size: number, seed: number): Buffer
export declare function writeMultipageSite (dir: string): Promise<Record<string, Buffer>>
