import type { ServiceClient } from '../platform/service-client.js'

/** The cart service's internal API, as the order service uses it at checkout. */

export interface CartLine {
  productId: number
  /** Absent for a line stored before variants: the product's only variant. */
  variantId?: number
  quantity: number
}

export interface CartClient {
  /** The lines of a signed-in user's cart (empty when there is none). */
  getUserCart(userId: string): Promise<CartLine[]>
  /**
   * After an order was written: takes the ordered quantities out of the user's
   * cart (what was added meanwhile stays). Idempotent per order id.
   */
  removeOrdered(userId: string, orderId: string, lines: readonly CartLine[]): Promise<void>
}

export function createCartClient(client: ServiceClient): CartClient {
  return {
    async getUserCart(userId) {
      const { items } = await client.request<{ items: CartLine[] }>('GET', `/internal/carts/${encodeURIComponent(userId)}`)
      return items
    },
    async removeOrdered(userId, orderId, lines) {
      await client.request('POST', `/internal/carts/${encodeURIComponent(userId)}/ordered`, { body: { orderId, lines } })
    },
  }
}
