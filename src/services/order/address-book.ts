import type { Queryable } from '../../platform/db/db.js'
import { findAddress } from './address-store.js'
import { addressNotFound, billingAddressChoice, shippingAddressChoice } from './errors.js'

/**
 * The addresses of a checkout: where it ships (required) and where it is billed
 * (the shipping address unless given), each the one in the body or an entry of
 * the customer's address book by id, copied into the order (which keeps them
 * whatever later happens to the book).
 */

export interface AddressChoice {
  shippingAddress?: Record<string, string>
  shippingAddressId?: string
  billingAddress?: Record<string, string>
  billingAddressId?: string
}

export interface CheckoutAddresses {
  shipping: Record<string, string>
  billing: Record<string, string>
}

/** Exactly one shipping address, at most one billing address, checked before anything runs. */
export function checkAddressChoice(body: { shippingAddress?: unknown; shippingAddressId?: string | undefined; billingAddress?: unknown; billingAddressId?: string | undefined }): void {
  if ((body.shippingAddress === undefined) === (body.shippingAddressId === undefined)) throw shippingAddressChoice()
  if (body.billingAddress !== undefined && body.billingAddressId !== undefined) throw billingAddressChoice()
}

/** The checkout's addresses: its own, or copies of the customer's book entries (404 ADDRESS_NOT_FOUND, nothing written). */
export async function checkoutAddresses(db: Queryable, userId: string, body: AddressChoice): Promise<CheckoutAddresses> {
  const shipping = await chosen(db, userId, body.shippingAddress, body.shippingAddressId)
  const billing = body.billingAddress || body.billingAddressId ? await chosen(db, userId, body.billingAddress, body.billingAddressId) : shipping
  return { shipping, billing }
}

async function chosen(db: Queryable, userId: string, given: Record<string, string> | undefined, id: string | undefined): Promise<Record<string, string>> {
  if (given) return given
  const row = await findAddress(db, userId, id!)
  if (!row) throw addressNotFound(id!)
  return row.address
}
