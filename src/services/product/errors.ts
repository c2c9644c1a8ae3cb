import { declareError } from '../../platform/errors.js'

/** Every error the product service answers with, declared once (codes are API: never renamed). */

// Reads.
export const productNotFound = declareError('PRODUCT_NOT_FOUND', 404, (idOrSlug: string | number) => `No product '${idOrSlug}'`)
export const categoryNotFound = declareError('CATEGORY_NOT_FOUND', 404, (idOrSlug: string | number) => `No category '${idOrSlug}'`)
export const sortNeedsQuery = declareError('SORT_NEEDS_QUERY', 400, "sort=relevance needs a search text in 'q'")
export const invalidPriceRange = declareError('INVALID_PRICE_RANGE', 400, 'minPrice must not be above maxPrice')

// Admin writes.
export const dealNotFound = declareError('DEAL_NOT_FOUND', 404, (id: number) => `No deal '${id}'`)
export const slugTaken = declareError('SLUG_TAKEN', 409, 'That slug is already in use')
export const categoryInUseOrMissing = declareError('CATEGORY_IN_USE_OR_MISSING', 409, 'The category does not exist, or still has products or subcategories')
export const referenceNotFound = declareError('REFERENCE_NOT_FOUND', 409, 'A referenced row does not exist')
export const invalidValue = declareError('INVALID_VALUE', 400, 'A value is out of its allowed range')
export const categoryCycle = declareError('CATEGORY_CYCLE', 409, 'A category cannot be moved below itself')
export const invalidDealPeriod = declareError('INVALID_DEAL_PERIOD', 400, 'endsAt must be after startsAt')

// Product images (the pipeline's own refusals are in images/errors.ts).
export const imageNotFound = declareError('IMAGE_NOT_FOUND', 404, (imageId: string) => `No image '${imageId}' of this product`)
export const imageOrderMismatch = declareError('IMAGE_ORDER_MISMATCH', 400, "'ids' must list every image of the product once")
/** An upload that was waiting for the pool when the service stopped, and the errorCode of an image whose process stopped. */
export const imageInterrupted = declareError('IMAGE_INTERRUPTED', 503, 'The image was being processed when the service stopped; upload it again')

// Stock reservations (the order service's checkout).
export const productUnavailable = declareError('PRODUCT_UNAVAILABLE', 409, (productId: number) => `Product ${productId} is not for sale`)
export const outOfStock = declareError('OUT_OF_STOCK', 409, (line?: { productId: number; name: string; stock: number; wanted: number }) =>
  line ? `Only ${line.stock} left of '${line.name}' (product ${line.productId}); ${line.wanted} wanted` : 'Stock changed during the reservation',
)

// Variants (admin writes; VARIANT_REQUIRED also refuses a reservation line without variantId).
export const variantNotFound = declareError('VARIANT_NOT_FOUND', 404, (variantId: number) => `No variant '${variantId}' of this product`)
export const variantRequired = declareError('VARIANT_REQUIRED', 409, (productId: number) => `Product ${productId} has several variants: name one (variantId)`)
export const unknownOptionValue = declareError('UNKNOWN_OPTION_VALUE', 400, (detail: string) => `Option values must be one value of each of the product's options: ${detail}`)
export const variantCombinationTaken = declareError('VARIANT_COMBINATION_TAKEN', 409, 'Another variant of this product has these option values')
export const skuTaken = declareError('SKU_TAKEN', 409, 'That SKU is already in use')
export const optionValueInUse = declareError('OPTION_VALUE_IN_USE', 409, (detail: string) => `A variant still uses ${detail}: change or delete it first`)
export const lastVariant = declareError('LAST_VARIANT', 409, 'A product keeps at least one variant; delete the product instead')
