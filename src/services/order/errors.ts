import { AppError, declareError } from '../../platform/errors.js'

/** Every error the order service answers with, declared once (codes are API: never renamed). */

/** A refusal before anything was written: the same Idempotency-Key may be used again (idempotency.ts). */
export class NothingWritten extends AppError {}

/**
 * A refusal after the work was done and recorded (a declined charge): it is the
 * request's final answer, stored with the Idempotency-Key like a success, so a
 * replay answers it again byte for byte (idempotency.ts).
 */
export class FinalRefusal extends AppError {}

/** Errors after which nothing stays written although they are not refusals (a checkout that failed midway and gave its stock back). */
const undone = new WeakSet<object>()

export function markNothingWritten(err: unknown): void {
  if (err !== null && typeof err === 'object') undone.add(err)
}

export function isNothingWritten(err: unknown): boolean {
  return err instanceof NothingWritten || (err !== null && typeof err === 'object' && undone.has(err))
}

// Checkout.
export const emptyCart = declareError('EMPTY_CART', 409, 'The cart is empty', { type: NothingWritten })
export const currencyMismatch = declareError('CURRENCY_MISMATCH', 409, 'The cart holds products priced in different currencies', { type: NothingWritten })
export const reservationExpired = declareError(
  'RESERVATION_EXPIRED',
  409,
  'The stock held for this checkout was given back; check out again with a new Idempotency-Key',
  { type: NothingWritten },
)
export const invalidCard = declareError('INVALID_CARD', 400, 'The card number is not valid')
export const paymentRequired = declareError('PAYMENT_REQUIRED', 400, 'This order costs money: send payment.card with the checkout', { type: NothingWritten })
/** The provider's reason travels in the message, e.g. "(card_declined)": the storefront shows it. */
export const paymentDeclined = declareError(
  'PAYMENT_DECLINED',
  402,
  (declineCode: string) => `The payment was declined (${declineCode}); nothing was charged and the cart is unchanged: try another card`,
  { type: FinalRefusal },
)

// Idempotency-Key of POST /api/orders.
export const idempotencyKeyRequired = declareError('IDEMPOTENCY_KEY_REQUIRED', 400, 'Send an Idempotency-Key header (a unique value per checkout, e.g. a UUID)')
export const idempotencyKeyInvalid = declareError('IDEMPOTENCY_KEY_INVALID', 400, 'The Idempotency-Key must be 1 to 255 visible ASCII characters')
export const idempotencyKeyReused = declareError('IDEMPOTENCY_KEY_REUSED', 422, 'This Idempotency-Key was used for a different request')
export const idempotencyInFlight = declareError('IDEMPOTENCY_IN_FLIGHT', 409, 'A request with this Idempotency-Key is still in progress', {
  headers: { 'retry-after': '1' },
})

// The order's life cycle.
export const orderNotFound = declareError('ORDER_NOT_FOUND', 404, (id: string) => `No order '${id}'`)
export const invalidTransition = declareError('INVALID_TRANSITION', 409, (status: string, becomes: string) => `A ${status} order cannot be ${becomes}`)
export const paymentInProgress = declareError('PAYMENT_IN_PROGRESS', 409, 'A payment of this order is in progress; try again in a moment', {
  headers: { 'retry-after': '2' },
})

// Discount codes, shipping and tax (pricing.ts): refusals of the checkout or the quote, nothing written.
export const discountCodeInvalid = declareError('DISCOUNT_CODE_INVALID', 422, (code: string) => `'${code}' is not a discount code of this shop, or it was deactivated`, { type: NothingWritten })
export const discountCodeNotStarted = declareError('DISCOUNT_CODE_NOT_STARTED', 422, (code: string, startsAt: string) => `The discount code '${code}' is valid from ${startsAt}`, { type: NothingWritten })
export const discountCodeExpired = declareError('DISCOUNT_CODE_EXPIRED', 422, (code: string, endsAt: string) => `The discount code '${code}' ended at ${endsAt}`, { type: NothingWritten })
export const discountCodeCurrency = declareError('DISCOUNT_CODE_CURRENCY', 422, (code: string, currency: string) => `The discount code '${code}' applies to carts in ${currency}`, { type: NothingWritten })
export const discountCodeMinimum = declareError(
  'DISCOUNT_CODE_MINIMUM_NOT_MET',
  422,
  (code: string, minimum: number, currency: string) => `The discount code '${code}' needs a subtotal of at least ${minimum} (minor units of ${currency})`,
  { type: NothingWritten },
)
export const discountCodeUsedUp = declareError('DISCOUNT_CODE_USED_UP', 409, (code: string) => `The discount code '${code}' has been used as often as it may be`, { type: NothingWritten })
export const discountCodeCustomerLimit = declareError(
  'DISCOUNT_CODE_CUSTOMER_LIMIT',
  409,
  (code: string) => `You have used the discount code '${code}' as often as one customer may`,
  { type: NothingWritten },
)
export const shippingUnavailable = declareError('SHIPPING_UNAVAILABLE', 422, (country: string) => `The shop does not ship to ${country}`, { type: NothingWritten })
export const shippingOptionUnavailable = declareError(
  'SHIPPING_OPTION_UNAVAILABLE',
  422,
  (id: number, country: string) => `Shipping option ${id} is not offered for ${country} and this cart's currency`,
  { type: NothingWritten },
)

// Admin writes of codes, shipping options and tax rates.
export const discountCodeExists = declareError('DISCOUNT_CODE_EXISTS', 409, (code: string) => `A discount code '${code}' exists already`)
export const invalidDiscountRules = declareError('INVALID_DISCOUNT_RULES', 400, (why: string) => why)
export const invalidShippingRules = declareError('INVALID_SHIPPING_RULES', 400, (why: string) => why)
export const promotionNotFound = declareError('PROMOTION_NOT_FOUND', 404, (id: number) => `No promotion ${id}`)
export const discountCodeNotFound = declareError('DISCOUNT_CODE_NOT_FOUND', 404, (code: string) => `No discount code '${code}'`)
export const shippingOptionNotFound = declareError('SHIPPING_OPTION_NOT_FOUND', 404, (id: number) => `No shipping option ${id}`)
export const taxRateNotFound = declareError('TAX_RATE_NOT_FOUND', 404, (country: string, region: string) => `No tax rate for ${country}${region ? ` / ${region}` : ''}`)

// The address book.
export const addressNotFound = declareError('ADDRESS_NOT_FOUND', 404, (id: string) => `No address '${id}' in your address book`, { type: NothingWritten })
export const addressBookFull = declareError('ADDRESS_BOOK_FULL', 409, (max: number) => `An address book holds at most ${max} addresses; delete one first`)
export const shippingAddressChoice = declareError('SHIPPING_ADDRESS_CHOICE', 400, 'Send either shippingAddress or shippingAddressId (an address of your address book), not both and not neither', {
  type: NothingWritten,
})
export const billingAddressChoice = declareError('BILLING_ADDRESS_CHOICE', 400, 'Send billingAddress or billingAddressId (an address of your address book), not both; neither bills the shipping address', {
  type: NothingWritten,
})
