/**
 * Every event of the shop: its name (noun.past-tense-verb), its one publisher and
 * its payload. Defined once here; producers write them to their outbox in the
 * same transaction as the change (platform/events/outbox.ts), consumers
 * subscribe by name.
 */

export interface EventEnvelope<T extends EventType = EventType> {
  /** UUID; travels as the AMQP message_id and keys the consumers' inbox. */
  id: string
  type: T
  aggregate: { type: string; id: string }
  occurredAt: string
  /** Payload schema version. */
  version: number
  payload: EventPayloads[T]
  traceId?: string
}

export interface MoneyPayload {
  amount: number
  currency: string
}

export interface OrderLinePayload {
  productId: number
  /** The variant sold (added in version 1 as optional: older events, and lines of orders placed before variants, lack them). */
  variantId?: number
  sku?: string
  /** Its option values ({} for a product without options). */
  options?: Record<string, string>
  weightGrams?: number
  name: string
  quantity: number
  unitPrice: MoneyPayload
}

/** Published by the auth service. */
export interface UserEventPayloads {
  'user.registered': { userId: string; email: string; verificationToken: string; verificationExpiresAt: string }
  'user.password_reset_requested': { userId: string; email: string; resetToken: string; expiresAt: string }
  /** The confirmation e-mail asked for again (POST /api/auth/me/email-verifications): a new link. */
  'user.verification_requested': { userId: string; email: string; verificationToken: string; verificationExpiresAt: string }
  'user.email_verified': { userId: string; email: string }
}

/** What every order event carries. */
export interface OrderEventBase {
  orderId: string
  userId: string
  customerEmail: string
}

/** Published by the order service: what each order event carries besides OrderEventBase. */
export interface OrderEventDetails {
  'order.placed': {
    lines: OrderLinePayload[]
    total: MoneyPayload
    /** What the total is made of (added in version 1 as optional: older events lack it). */
    charges?: {
      subtotal: MoneyPayload
      /** The automatic promotion (added later as optional: older events lack it). */
      promotion?: { name: string; amount: MoneyPayload } | null
      discountCode: string | null
      discount: MoneyPayload
      shipping: MoneyPayload
      tax: MoneyPayload
      pricesIncludeTax: boolean
    }
  }
  'order.paid': { paymentId: string; total: MoneyPayload }
  'order.payment_failed': { reason: string }
  'order.cancelled': { reason: string; lines: OrderLinePayload[] }
  'order.shipped': { trackingNumber?: string }
  'order.delivered': Record<never, never>
}

export type OrderEventType = keyof OrderEventDetails

/**
 * Published by the product service. URLs are not in the payload: they follow
 * from the hash and the sizes (IMAGES_BASE_URL/<hash[0..2]>/<hash>/<width>.<avif|webp|jpg>),
 * so a change of the base URL never makes an old event wrong.
 */
export interface ProductEventPayloads {
  /** Every variant of an uploaded image is written: the product can show it. */
  'product.image_ready': { productId: number; imageId: string; position: number; hash: string; sizes: { width: number; height: number }[] }
}

export type EventPayloads = UserEventPayloads & ProductEventPayloads & { [T in OrderEventType]: OrderEventBase & OrderEventDetails[T] }

export type EventType = keyof EventPayloads

/** Current payload version of every event type. */
export const EVENT_VERSION = 1

/**
 * The queues that consume order events (the services that subscribe to order.*),
 * for the order service's backlog figure: it reports its own outbox and these
 * queues' depths. test/unit/bus-topics.test.ts keeps the list equal to the
 * subscriptions that match an order event.
 */
export const ORDER_EVENT_QUEUES = ['notification', 'product'] as const
