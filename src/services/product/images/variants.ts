/**
 * What one image becomes and where it lives. Files are content-addressed:
 * <aa>/<hash>/<width>.<format>, hash = the first 128 bits of the SHA-256 of the
 * original's bytes. The bytes behind a URL never change, so they are cached
 * forever, and identical uploads share one set of files.
 */
export const TARGET_WIDTHS = [200, 600, 1200] as const
export const VARIANT_FORMATS = ['avif', 'webp', 'jpeg'] as const
export type VariantFormat = (typeof VARIANT_FORMATS)[number]

/** Written last, atomically: its presence means every variant of the hash exists. */
export const MANIFEST_FILE = 'manifest.json'

/** A picture is fitted into width x (3 x width): a 1:20 banner does not become a 1200 x 24000 variant. */
export const MAX_ASPECT = 3

export const IMMUTABLE_CACHE_CONTROL = 'public, max-age=31536000, immutable'

export interface Size {
  width: number
  height: number
}

/** What the files of one hash are; the image rows of the product service keep the same. */
export interface ImageManifest {
  hash: string
  /** Of the original, after EXIF orientation. */
  width: number
  height: number
  /** Ascending; every format exists at every size. */
  sizes: Size[]
}

/**
 * Widths to make for an original `width` pixels wide: never upscaled, so a
 * small original yields its own width once instead of the larger targets
 * (a 500 px original: 200 and 500; a 150 px one: 150 only).
 */
export function planWidths(width: number): number[] {
  return [...new Set(TARGET_WIDTHS.map((t) => Math.min(t, width)))].sort((a, b) => a - b)
}

export const isContentHash = (hash: string) => /^[0-9a-f]{32}$/.test(hash)

/** Relative to the images directory and to its base URL. */
export function hashDirOf(hash: string): string {
  if (!isContentHash(hash)) throw new Error(`not a content hash: ${hash}`)
  return `${hash.slice(0, 2)}/${hash}`
}

export function variantFileOf(hash: string, width: number, format: VariantFormat): string {
  return `${hashDirOf(hash)}/${width}.${format === 'jpeg' ? 'jpg' : format}`
}
