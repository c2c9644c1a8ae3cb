import { ApiError } from './api-client.js'

/**
 * What a shopper reads for an API error code: plain words, never a stack.
 * Codes not listed fall back to the API's own message for 4xx (written for
 * people too) and to a generic line for failures.
 */
const MESSAGES: Record<string, string> = {
  VALIDATION: 'Some of the details are not valid. Please check the form.',
  INVALID_EMAIL: 'That does not look like an e-mail address.',
  WEAK_PASSWORD: 'Please choose a stronger password: at least 10 characters, not a common one, and not your e-mail address.',
  PASSWORD_TOO_LONG: 'That password is too long.',
  EMAIL_TAKEN: 'There is already an account with this e-mail address. Sign in instead, or reset the password.',
  INVALID_CREDENTIALS: 'The e-mail address or the password is not right.',
  LOGIN_THROTTLED: 'Too many sign-in attempts. Please wait a little and try again.',
  RATE_LIMITED: 'Too many requests from your connection. Please wait a few minutes and try again.',
  INVALID_RESET_TOKEN: 'This password-reset link is not valid any more (it works once, for one hour). Ask for a new one.',
  INVALID_VERIFICATION_TOKEN: 'This confirmation link is not valid any more (it works once, for 48 hours).',
  EMAIL_ALREADY_VERIFIED: 'Your e-mail address is already confirmed.',
  VERIFICATION_EMAIL_LIMIT: 'We have sent three confirmation e-mails in the last hour. Please look for them (also in the spam folder), or ask again later.',
  PRODUCT_NOT_FOUND: 'We could not find that product.',
  CATEGORY_NOT_FOUND: 'We could not find that category.',
  ORDER_NOT_FOUND: 'We could not find that order.',
  OUT_OF_STOCK: 'Sorry, there are not enough units in stock for that.',
  VARIANT_REQUIRED: 'Please choose which one you want (size, colour…).',
  VARIANT_NOT_FOUND: 'That choice is no longer available.',
  PRODUCT_UNAVAILABLE: 'A product in your cart is no longer available. Please review your cart.',
  QUANTITY_LIMIT: 'That is more than we sell of one product in one order.',
  CART_FULL: 'Your cart is full. Please check out or remove something first.',
  CURRENCY_MISMATCH: 'That product is priced in another currency than your cart.',
  CART_ITEM_NOT_FOUND: 'That product is no longer in your cart.',
  EMPTY_CART: 'Your cart is empty.',
  INVALID_CARD: 'The card number is not valid. Please check it.',
  PAYMENT_REQUIRED: 'Please give a card to pay with.',
  PAYMENT_IN_PROGRESS: 'A payment for this order is already being processed. Please wait a moment.',
  IDEMPOTENCY_IN_FLIGHT: 'Your order is already being placed. Please wait a moment and reload.',
  IDEMPOTENCY_KEY_REUSED: 'This checkout form was already sent with other details. Please check the details and send the form again.',
  INVALID_TRANSITION: 'This order cannot be changed that way any more.',
  INVALID_PRICE_RANGE: 'The lowest price must not be above the highest price.',
  INVALID_CURSOR: 'That page of results is out of date. Please start from the first page.',
  UNSUPPORTED_IMAGE_TYPE: 'That file is not an image the shop can use: please upload a JPEG, PNG, WebP, AVIF or GIF file (SVG and HEIC are not taken).',
  INVALID_IMAGE: 'That image file is damaged or incomplete. Please export it again and upload the new file.',
  IMAGE_QUEUE_FULL: 'Many images are being processed right now. Please upload this one again in a minute.',
  IMAGE_INTERRUPTED: 'The shop restarted while the image was processed. Please upload it again.',
  IMAGE_NOT_FOUND: 'We could not find that image.',
  FORBIDDEN: 'Your account is not allowed to do that.',
  AUTH_REQUIRED: 'Please sign in first.',
  API_UNAVAILABLE: 'The shop is not available right now. Please try again in a moment.',
  DEPENDENCY_UNAVAILABLE: 'Part of the shop is not available right now. Please try again in a moment.',
  DATABASE_UNAVAILABLE: 'The shop is not available right now. Please try again in a moment.',
}

const DECLINES: Record<string, string> = {
  card_declined: 'the card was declined',
  insufficient_funds: 'the card has insufficient funds',
  expired_card: 'the card has expired',
  not_sent: 'the payment could not be sent',
}

export function messageFor(err: unknown): string {
  if (err instanceof ApiError) {
    if (err.code === 'PAYMENT_DECLINED') return declinedMessage(err.message)
    const known = MESSAGES[err.code]
    if (known) return known
    return err.status < 500 ? err.message : 'Something went wrong on our side. Please try again in a moment.'
  }
  return 'Something went wrong on our side. Please try again in a moment.'
}

/** The API's 402 names the provider's reason in brackets: "The payment was declined (card_declined); ...". */
function declinedMessage(apiMessage: string): string {
  const code = /\(([a-z0-9_]+)\)/.exec(apiMessage)?.[1] ?? null
  return `Your payment did not go through: ${declineReason(code)}. Nothing was charged and your cart is unchanged: please try another card.`
}

/** The payment provider's reason, in words, with its code for support: "the card was declined (card_declined)". */
export function declineReason(code: string | null): string {
  if (!code) return 'the payment was declined'
  return `${DECLINES[code] ?? 'the payment was declined'} (${code})`
}
