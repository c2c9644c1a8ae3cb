import { DEMO_CATEGORIES, drawProduct, PALETTES } from './demo-drawings.js'
import type { Images } from './images.js'
import type { ImageManifest } from './variants.js'

/** Colourways per category: with 17 categories, 34 pictures shared by the demo products. */
const COLOURWAYS = 2

/** The demo pictures by category (a leaf slug of the demo catalog), each in its colourways. */
export type DemoImageSet = ReadonlyMap<string, readonly ImageManifest[]>

/**
 * Makes the demo pictures that do not exist yet, through the image pool (so
 * the event loop keeps answering meanwhile), one after the other so uploads
 * never find the queue full because of them. Content-addressed by the drawing:
 * a later start, or a second instance, finds them made and returns at once.
 * `onEach` is told of each picture as soon as it exists (to attach it to the
 * products of its category without waiting for the whole set).
 */
export async function ensureDemoImages(
  images: Images,
  options: { categories?: readonly string[]; onEach?: (category: string, colourway: number, manifest: ImageManifest) => Promise<void> } = {},
): Promise<DemoImageSet> {
  const categories = options.categories ?? DEMO_CATEGORIES
  const set = new Map<string, ImageManifest[]>()
  for (const [i, category] of categories.entries()) {
    const colourways: ImageManifest[] = []
    for (let k = 0; k < COLOURWAYS; k++) {
      const palette = PALETTES[(i + k * 3) % PALETTES.length]!
      const manifest = await images.draw(drawProduct(category, palette))
      colourways.push(manifest)
      await options.onEach?.(category, k, manifest)
    }
    set.set(category, colourways)
  }
  return set
}

/** The picture of the demo product numbered `n` in `category`: colourways alternate along the numbering. */
export function demoImageFor(set: DemoImageSet, category: string, n: number): ImageManifest | undefined {
  const colourways = set.get(category)
  return colourways?.[n % colourways.length]
}
