import type { OrderEventDetails, OrderEventType, OrderLinePayload } from '../../contracts/events.js'
import type { Queryable } from '../../platform/db/db.js'
import { appendEvent, outboxRow, type NewEvent } from '../../platform/events/outbox.js'
import type { LineRow, OrderRow } from './order-store.js'

/** The order's events, shaped by contracts/events.ts: the order's ids plus what each event adds. */

type OrderRef = Pick<OrderRow, 'id' | 'user_id' | 'customer_email'>

export function orderEvent<T extends OrderEventType>(type: T, order: OrderRef, details: OrderEventDetails[T]): NewEvent<T>
// The signature above ties the details to the event type for callers; TypeScript cannot follow that
// correlation through a spread of a generic, so the implementation is typed by the union.
export function orderEvent(type: OrderEventType, order: OrderRef, details: OrderEventDetails[OrderEventType]): NewEvent<OrderEventType> {
  return {
    type,
    aggregateType: 'order',
    aggregateId: order.id,
    payload: { orderId: order.id, userId: order.user_id, customerEmail: order.customer_email, ...details },
  }
}

/** Appends the event to the order service's outbox, in the caller's transaction. */
export async function emitOrderEvent<T extends OrderEventType>(tx: Queryable, type: T, order: OrderRef, details: OrderEventDetails[T]): Promise<void> {
  await appendEvent(tx, 'orders', orderEvent(type, order, details))
}

export function linePayloads(lines: readonly Omit<LineRow, 'order_id'>[], currency: string): OrderLinePayload[] {
  return lines.map((l) => ({
    productId: l.product_id,
    ...(l.variant_id !== null ? { variantId: l.variant_id, sku: l.sku ?? '', options: l.options, weightGrams: l.weight_grams } : {}),
    name: l.name,
    quantity: l.quantity,
    unitPrice: { amount: l.unit_amount, currency },
  }))
}

/** order.placed of an order (paid, or free): its lines, its total and what the total is made of. */
export function placedEvent(order: OrderRef & Pick<OrderRow, 'currency' | 'total_amount' | 'subtotal_amount' | 'promotion_name' | 'promotion_amount' | 'discount_code' | 'discount_amount' | 'shipping_amount' | 'tax_amount' | 'prices_include_tax'>, lines: readonly Omit<LineRow, 'order_id'>[]) {
  const money = (amount: number) => ({ amount, currency: order.currency })
  return outboxRow(
    orderEvent('order.placed', order, {
      lines: linePayloads(lines, order.currency),
      total: money(order.total_amount),
      charges: {
        subtotal: money(order.subtotal_amount),
        promotion: order.promotion_name !== null ? { name: order.promotion_name, amount: money(order.promotion_amount) } : null,
        discountCode: order.discount_code,
        discount: money(order.discount_amount),
        shipping: money(order.shipping_amount),
        tax: money(order.tax_amount),
        pricesIncludeTax: order.prices_include_tax,
      },
    }),
  )
}
