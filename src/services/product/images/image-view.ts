import { Type, type Static } from '@sinclair/typebox'
import { VARIANT_FORMATS, variantFileOf, type Size } from './variants.js'

/** A product image whose variants exist, as the product service stores it. */
export interface StoredImage {
  id: string
  alt: string
  position: number
  hash: string
  /** Ascending, from the manifest; every format exists at every size. */
  sizes: Size[]
}

const variantList = Type.Array(Type.Object({ url: Type.String(), width: Type.Integer(), height: Type.Integer() }))

/** The response shape: one list per format, ascending by width, ready for <source srcset> and <img srcset>. */
export const imageViewSchema = Type.Object({
  id: Type.String(),
  alt: Type.String(),
  position: Type.Integer(),
  variants: Type.Object({ avif: variantList, webp: variantList, jpeg: variantList }),
})

export type ImageView = Static<typeof imageViewSchema>

const urlOf = (baseUrl: string, hash: string, width: number, format: (typeof VARIANT_FORMATS)[number]) =>
  `${baseUrl.replace(/\/+$/, '')}/${variantFileOf(hash, width, format)}`

export function imageView(image: StoredImage, baseUrl: string): ImageView {
  const list = (format: (typeof VARIANT_FORMATS)[number]) =>
    image.sizes.map(({ width, height }) => ({ url: urlOf(baseUrl, image.hash, width, format), width, height }))
  return { id: image.id, alt: image.alt, position: image.position, variants: { avif: list('avif'), webp: list('webp'), jpeg: list('jpeg') } }
}

/** What the cart shows: the first image's smallest JPEG (every browser and e-mail client reads it), or null. */
export function thumbnailUrl(images: readonly StoredImage[], baseUrl: string): string | null {
  const first = images.reduce<StoredImage | undefined>((a, b) => (a && a.position <= b.position ? a : b), undefined)
  const smallest = first?.sizes[0]
  return first && smallest ? urlOf(baseUrl, first.hash, smallest.width, 'jpeg') : null
}
