import { AppError, declareError } from '../platform/errors.js'

/** A refusal or failure of the API, with its stable error code, or one of the storefront's own below. */
export class ApiError extends AppError {
  override name = 'ApiError'
}

/**
 * The storefront's own refusals, declared once like a service's (codes are API:
 * an enhanced request that asks for JSON gets them in `{ error: { code, message } }`).
 * They are ApiErrors, so the pages treat them as the API's: the same error page,
 * the same messages (messages.ts). Where the storefront refuses before calling
 * the API (a malformed id in a URL), it uses the API's code for the same case.
 */

/** The API could not be reached, or answered something that is not the API's (no JSON error body). */
export const apiUnavailable = declareError('API_UNAVAILABLE', 503, (message: string) => message, { type: ApiError })

// What the API would answer for the same request, said before the call.
export const validation = declareError('VALIDATION', 400, (message: string) => message, { type: ApiError })
export const notFound = declareError('NOT_FOUND', 404, (what: string) => `No such ${what}`, { type: ApiError })
export const productNotFound = declareError('PRODUCT_NOT_FOUND', 404, 'No such product', { type: ApiError })
export const categoryNotFound = declareError('CATEGORY_NOT_FOUND', 404, 'No such category', { type: ApiError })
export const orderNotFound = declareError('ORDER_NOT_FOUND', 404, 'No such order', { type: ApiError })
export const cartItemNotFound = declareError('CART_ITEM_NOT_FOUND', 404, 'Not in the cart', { type: ApiError })
export const invalidVerificationToken = declareError('INVALID_VERIFICATION_TOKEN', 400, 'The link has no token', { type: ApiError })
export const invalidResetToken = declareError('INVALID_RESET_TOKEN', 400, 'The link has no token', { type: ApiError })

// Forms of the storefront whose fields the API takes in another shape.
export const invalidExpiry = declareError('INVALID_EXPIRY', 400, 'Please give the card’s expiry date as MM/YY.', { type: ApiError })
export const passwordsDiffer = declareError('PASSWORDS_DIFFER', 400, 'The two passwords are not the same.', { type: ApiError })
export const invalidPrice = declareError('INVALID_PRICE', 400, 'The price must be a number like 19.99.', { type: ApiError })
export const invalidStock = declareError('INVALID_STOCK', 400, 'Stock must be a whole number, 0 or more.', { type: ApiError })
export const orderSearchInvalid = declareError('ORDER_SEARCH_INVALID', 400, 'Type an order number (8 characters, like 0F8FAD5B), an order’s full id or a customer’s e-mail address.', { type: ApiError })
export const invalidDealForm = declareError('INVALID_DEAL_FORM', 400, 'Product id, discount and days must be whole numbers.', { type: ApiError })

// The admin's image upload: refused by the storefront itself, before passing on more than the API takes.
export const imageFormInvalid = declareError('IMAGE_FORM_INVALID', 400, (message: string) => message, { type: ApiError })
export const imageTooBig = declareError('PAYLOAD_TOO_LARGE', 413, (limit: string) => `The file is larger than ${limit}.`, { type: ApiError })
