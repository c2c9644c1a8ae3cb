import { AppError, declareError } from '../../platform/errors.js'

/** Every error the order service answers with, declared once (codes are API: never renamed). */

/** A refusal before anything was written: the same Idempotency-Key may be used again (idempotency.ts). */
export class NothingWritten extends AppError {}

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
