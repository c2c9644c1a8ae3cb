import { declareError } from '../../platform/errors.js'

/** Every error the cart service answers with, declared once (codes are API: never renamed). */

export const invalidCartToken = declareError('INVALID_CART_TOKEN', 400, 'X-Cart-Token must be a cart token this service gave out (43 characters, base64url)')
export const cartTokenRequired = declareError('CART_TOKEN_REQUIRED', 400, 'Send the guest cart token in X-Cart-Token')
export const productNotFound = declareError('PRODUCT_NOT_FOUND', 404, (productId: number) => `Product ${productId} not found`)
export const cartItemNotFound = declareError('CART_ITEM_NOT_FOUND', 404, (productId: number) => `Product ${productId} is not in the cart`)
export const outOfStock = declareError('OUT_OF_STOCK', 409, (p: { name: string; stock: number }, inCart?: { quantity: number; asked: number }) =>
  inCart ? `Only ${p.stock} of ${p.name} in stock; the cart has ${inCart.quantity}, ${inCart.asked} more asked` : `Only ${p.stock} of ${p.name} in stock`,
)
export const quantityLimit = declareError(
  'QUANTITY_LIMIT',
  409,
  (maxQuantity: number, inCart: number) => `At most ${maxQuantity} of one product per cart; the cart has ${inCart}`,
)
export const cartFull = declareError('CART_FULL', 409, (maxLines: number) => `At most ${maxLines} different products per cart`)
export const currencyMismatch = declareError(
  'CURRENCY_MISMATCH',
  409,
  (p: { name: string; currency: string }) => `${p.name} is sold in ${p.currency}, unlike the rest of the cart`,
)

export const cartUnavailable = declareError('CART_UNAVAILABLE', 503, 'Carts cannot be read or changed right now; try again shortly', {
  headers: { 'retry-after': '2' },
})

/** Codes of the `warnings` of a cart answer (200): what the customer should know, not refusals. */
export const WARNING = {
  priceChanged: 'PRICE_CHANGED',
  productUnavailable: 'PRODUCT_UNAVAILABLE',
  outOfStock: 'OUT_OF_STOCK',
  quantityExceedsStock: 'QUANTITY_EXCEEDS_STOCK',
  mergeItemSkipped: 'MERGE_ITEM_SKIPPED',
  mergeQuantityCapped: 'MERGE_QUANTITY_CAPPED',
} as const

// Variants: a line is one variant of a product.
export const variantRequired = declareError('VARIANT_REQUIRED', 409, (productId: number) => `Product ${productId} has several variants: name one (variantId)`)
export const variantNotFound = declareError('VARIANT_NOT_FOUND', 404, (productId: number, variantId: number) => `Product ${productId} has no variant ${variantId}`)
