import { DEMO_CATEGORIES, drawProduct, PALETTES } from './demo-drawings.js'
import type { Images } from './images.js'
import type { ImageManifest } from './variants.js'

/** Colourways per category: with 17 categories, 34 pictures shared by the demo products. */
export const DEMO_COLOURWAYS = 2

/** The demo pictures by category (a leaf slug of the demo catalog), each in its colourways. */
export type DemoImageSet = ReadonlyMap<string, readonly ImageManifest[]>

/** A category's palettes depend on the category alone, so one picture can be made without the others. */
function paletteOf(category: string, colourway: number) {
  const known = DEMO_CATEGORIES.indexOf(category)
  const i = known >= 0 ? known : [...category].reduce((h, c) => (h * 31 + c.charCodeAt(0)) >>> 0, 7)
  return PALETTES[(i + colourway * 3) % PALETTES.length]!
}

/**
 * One demo picture, made through the image pool (the event loop keeps
 * answering meanwhile) unless it exists: content-addressed by the drawing, so
 * a later start, or a second instance, finds it made at once.
 */
export function ensureDemoImage(images: Images, category: string, colourway: number): Promise<ImageManifest> {
  return images.draw(drawProduct(category, paletteOf(category, colourway)))
}

/**
 * Every demo picture of the categories, one after the other so uploads never
 * find the queue full because of them. `onEach` is told of each picture as
 * soon as it exists.
 */
export async function ensureDemoImages(
  images: Images,
  options: { categories?: readonly string[]; onEach?: (category: string, colourway: number, manifest: ImageManifest) => Promise<void> } = {},
): Promise<DemoImageSet> {
  const set = new Map<string, ImageManifest[]>()
  for (const category of options.categories ?? DEMO_CATEGORIES) {
    const colourways: ImageManifest[] = []
    for (let k = 0; k < DEMO_COLOURWAYS; k++) {
      const manifest = await ensureDemoImage(images, category, k)
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
