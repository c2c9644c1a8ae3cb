import type { Queryable } from '../../platform/db/db.js'
import { findAddress } from './address-store.js'
import { addressNotFound, shippingAddressChoice } from './errors.js'

/**
 * The address a checkout ships to: the one in its body, or an entry of the
 * customer's address book by id, copied into the order (which keeps it
 * whatever later happens to the book).
 */

export interface AddressChoice {
  shippingAddress?: Record<string, string>
  shippingAddressId?: string
}

/** Exactly one of the two, checked before anything runs. */
export function checkAddressChoice(body: { shippingAddress?: unknown; shippingAddressId?: string | undefined }): void {
  if ((body.shippingAddress === undefined) === (body.shippingAddressId === undefined)) throw shippingAddressChoice()
}

/** The address a checkout ships to: its own, or a copy of the customer's book entry (404 ADDRESS_NOT_FOUND, nothing written). */
export async function checkoutAddress(db: Queryable, userId: string, body: AddressChoice): Promise<Record<string, string>> {
  if (body.shippingAddress) return body.shippingAddress
  const row = await findAddress(db, userId, body.shippingAddressId!)
  if (!row) throw addressNotFound(body.shippingAddressId!)
  return row.address
}
