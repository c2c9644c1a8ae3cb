import { DEMO_CATEGORIES, drawProduct, PALETTES } from './demo-drawings.js'
import type { Images } from './images.js'
import type { ImageManifest } from './variants.js'

/** Colourways per category: with 17 categories, 34 pictures shared by the demo products (a product's is its id modulo this). */
export const DEMO_COLOURWAYS = 2

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
export function ensureDemoImage(images: Images, category: string, colourway: number, signal?: AbortSignal): Promise<ImageManifest> {
  return images.draw(drawProduct(category, paletteOf(category, colourway)), signal)
}
