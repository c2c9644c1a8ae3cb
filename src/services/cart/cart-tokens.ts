import { createHash, randomBytes } from 'node:crypto'
import { invalidCartToken } from './errors.js'

/**
 * Guest cart tokens: 256 random bits, base64url (43 characters), sent in the
 * X-Cart-Token header. Only a hash of the token names the cart in storage, so
 * whoever reads the store (or a dump of it) cannot take over guest carts. A
 * token is only ever made here: an unknown one starts a new cart with a new
 * token, never a cart under a name the client chose (cart fixation).
 */
export const CART_TOKEN_HEADER = 'x-cart-token'
const TOKEN = /^[A-Za-z0-9_-]{43}$/

export function newGuestToken(): string {
  return randomBytes(32).toString('base64url')
}

/** The token of a request: undefined when there is none, 400 INVALID_CART_TOKEN when it is not one of ours. */
export function parseGuestToken(header: string | string[] | undefined): string | undefined {
  if (header === undefined) return undefined
  if (typeof header !== 'string' || !TOKEN.test(header)) {
    throw invalidCartToken()
  }
  return header
}

export function guestCartId(token: string): string {
  return `g:${createHash('sha256').update(token).digest('base64url')}`
}

export function userCartId(userId: string): string {
  return `u:${userId}`
}
