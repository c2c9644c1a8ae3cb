import type { ServiceClient } from '../platform/service-client.js'

/**
 * The product service's internal API, as the cart and order services use it:
 * current catalog data and stock reservations. The product service owns stock;
 * nobody else writes its tables.
 */

export interface Money {
  amount: number
  currency: string
}

export interface ProductSummary {
  id: number
  slug: string
  name: string
  price: Money
  /** After the best running deal. */
  salePrice: Money
  /** The sum of the live variants' stock. */
  stock: number
  inStock: boolean
  image: string | null
  /** The live variants, by position; a product without options has one (options {}). */
  variants: VariantSummary[]
}

/** One sellable variant: its own stock, its price (the product's unless overridden). */
export interface VariantSummary {
  id: number
  sku: string
  /** One value per option of the product ({ Size: 'M' }); {} for a product without options. */
  options: Record<string, string>
  price: Money
  /** After the best running deal of the product. */
  salePrice: Money
  stock: number
  inStock: boolean
  weightGrams: number
}

export interface ReservationLineRequest {
  productId: number
  /** Absent: the product's only variant (refused with VARIANT_REQUIRED when it has several). */
  variantId?: number
  quantity: number
}

export interface ReservedLine {
  productId: number
  /** Absent only in reservations made before variants existed. */
  variantId?: number
  sku?: string
  options?: Record<string, string>
  weightGrams?: number
  quantity: number
  name: string
  /** The sale price at the moment of the reservation (the variant's, after the best running deal): what the customer pays. */
  unitPrice: Money
}

export type ReservationStatus = 'held' | 'attached' | 'confirmed' | 'released'

export interface Reservation {
  orderId: string
  status: ReservationStatus
  lines: ReservedLine[]
  expiresAt: string
}

/** The reservation's refusals (409): the order service's client answers them as they are. */
export const RESERVATION_REFUSALS = ['OUT_OF_STOCK', 'PRODUCT_UNAVAILABLE', 'VARIANT_REQUIRED'] as const

export interface ProductClient {
  /** Live products by id; unknown and deleted ids are simply absent. */
  getProducts(ids: readonly number[]): Promise<Map<number, ProductSummary>>
  /**
   * Takes the stock of every line's variant at once, or none (409 OUT_OF_STOCK /
   * PRODUCT_UNAVAILABLE for an unknown, deleted or foreign variant / VARIANT_REQUIRED). Idempotent per order id: reserving again returns the
   * first reservation. Held until the order's events confirm or release it, or
   * until ttlSeconds pass without the order being written.
   */
  reserve(orderId: string, lines: readonly ReservationLineRequest[], ttlSeconds: number): Promise<Reservation>
  /** Gives the stock back (idempotent). */
  release(orderId: string): Promise<Reservation | null>
}

export function createProductClient(client: ServiceClient): ProductClient {
  return {
    async getProducts(ids) {
      if (ids.length === 0) return new Map()
      const { items } = await client.request<{ items: ProductSummary[] }>('GET', `/internal/catalog/products?ids=${[...new Set(ids)].join(',')}`)
      return new Map(items.map((i) => [i.id, i]))
    },
    reserve(orderId, lines, ttlSeconds) {
      return client.request<Reservation>('POST', '/internal/catalog/reservations', { body: { orderId, lines, ttlSeconds }, refusals: RESERVATION_REFUSALS })
    },
    async release(orderId) {
      const { reservation } = await client.request<{ reservation: Reservation | null }>('POST', `/internal/catalog/reservations/${orderId}/release`)
      return reservation
    },
  }
}
