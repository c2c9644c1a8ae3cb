import { canonicalEmail } from '../../contracts/email.js'
import type { Money } from '../../contracts/product.js'
import type { Identity } from '../../platform/auth/token-verifier.js'
import { isIntIn, type CursorCodec } from '../../platform/cursors.js'
import type { Queryable } from '../../platform/db/db.js'
import { forbidden, invalidCursor } from '../../platform/errors.js'
import { orderNotFound } from './errors.js'
import type { Actor, OrderDeps } from './order-deps.js'
import * as store from './order-store.js'
import { listOrders as listOrderRows } from './order-list-store.js'
import * as paymentStore from './payment-store.js'
import type { LineRow, NewLine, OrderRow } from './order-store.js'
import type { PaymentRow } from './payment-store.js'
import type { TaxLine } from './pricing.js'
import { UNLISTED_FOR_CUSTOMERS, type OrderStatus } from './state-machine.js'

/** What customers and admins see of orders: one order, and pages of them; another customer's order does not exist. */

/** What an order (or a quote) costs beyond its lines. */
export interface ChargesView {
  promotion: { name: string; amount: Money } | null
  discount: { code: string; amount: Money } | null
  shipping: { optionId: number; name: string; price: Money } | null
  taxLines: { name: string; country: string; region: string | null; rateBasisPoints: number; amount: Money }[]
  tax: Money
  /** The shop's prices include tax (the tax is part of the total), else it is added. */
  pricesIncludeTax: boolean
}

/** The same in minor units without a currency: a Breakdown of pricing.ts is one. */
export interface Charges {
  promotion: { name: string; amount: number } | null
  discount: { code: string; amount: number } | null
  shipping: { optionId: number; name: string; amount: number } | null
  taxLines: TaxLine[]
  tax: number
  pricesIncludeTax: boolean
}

export function chargesView(currency: string, c: Charges): ChargesView {
  const money = (amount: number) => ({ amount, currency })
  return {
    promotion: c.promotion ? { name: c.promotion.name, amount: money(c.promotion.amount) } : null,
    discount: c.discount ? { code: c.discount.code, amount: money(c.discount.amount) } : null,
    shipping: c.shipping ? { optionId: c.shipping.optionId, name: c.shipping.name, price: money(c.shipping.amount) } : null,
    taxLines: c.taxLines.map((l) => ({ ...l, amount: money(l.amount) })),
    tax: money(c.tax),
    pricesIncludeTax: c.pricesIncludeTax,
  }
}

/** The charges an order was written with, from its row. */
function orderCharges(o: OrderRow): Charges {
  return {
    promotion: o.promotion_name !== null ? { name: o.promotion_name, amount: o.promotion_amount } : null,
    discount: o.discount_code !== null ? { code: o.discount_code, amount: o.discount_amount } : null,
    shipping: o.shipping_name !== null ? { optionId: o.shipping_option_id!, name: o.shipping_name, amount: o.shipping_amount } : null,
    taxLines: o.tax_lines,
    tax: o.tax_amount,
    pricesIncludeTax: o.prices_include_tax,
  }
}

export interface OrderView extends ChargesView {
  id: string
  status: OrderStatus
  customerEmail: string
  /** A line as it was written (variantId and sku are null for orders placed before variants), priced. */
  lines: (Omit<NewLine, 'unitAmount'> & { unitPrice: Money; lineTotal: Money })[]
  subtotal: Money
  total: Money
  shippingAddress: Record<string, string>
  billingAddress: Record<string, string>
  payment: { status: 'unpaid' | 'pending' | 'declined' | 'paid' | 'refund_pending' | 'refunded'; declineCode: string | null; cardLast4: string | null }
  trackingNumber: string | null
  cancelReason: string | null
  createdAt: string
  updatedAt: string
  paidAt: string | null
  shippedAt: string | null
  deliveredAt: string | null
  cancelledAt: string | null
}

export function toOrderView(o: OrderRow, lines: LineRow[], payments: PaymentRow[]): OrderView {
  const money = (amount: number) => ({ amount, currency: o.currency })
  const charges = payments.filter((p) => p.kind === 'charge')
  const refund = payments.find((p) => p.kind === 'refund' && p.status !== 'declined')
  const paid = charges.find((p) => p.status === 'succeeded')
  const last = charges.at(-1)
  const status: OrderView['payment']['status'] = refund
    ? refund.status === 'succeeded' ? 'refunded' : 'refund_pending'
    : paid ? 'paid' : last?.status === 'pending' ? 'pending' : last?.status === 'declined' ? 'declined' : 'unpaid'
  const iso = (d: Date | null) => (d ? d.toISOString() : null)
  return {
    id: o.id,
    status: o.status,
    customerEmail: o.customer_email,
    lines: lines.map((l) => ({
      productId: l.product_id,
      variantId: l.variant_id === null ? null : Number(l.variant_id),
      sku: l.sku,
      options: l.options,
      weightGrams: l.weight_grams,
      name: l.name,
      quantity: l.quantity,
      unitPrice: money(l.unit_amount),
      lineTotal: money(l.unit_amount * l.quantity),
    })),
    subtotal: money(o.subtotal_amount),
    ...chargesView(o.currency, orderCharges(o)),
    total: money(o.total_amount),
    shippingAddress: o.shipping_address,
    billingAddress: o.billing_address,
    payment: { status, declineCode: paid ? null : (last?.decline_code ?? null), cardLast4: (paid ?? last)?.card_last4 ?? null },
    trackingNumber: o.tracking_number,
    cancelReason: o.cancel_reason,
    createdAt: o.created_at.toISOString(),
    updatedAt: o.updated_at.toISOString(),
    paidAt: iso(o.paid_at),
    shippedAt: iso(o.shipped_at),
    deliveredAt: iso(o.delivered_at),
    cancelledAt: iso(o.cancelled_at),
  }
}

export async function loadView(q: Queryable, id: string): Promise<OrderView | undefined> {
  const order = await store.findOrder(q, id)
  if (!order) return undefined
  return toOrderView(order, await store.findLines(q, [id]), await paymentStore.findPayments(q, [id]))
}

/** The order, for this actor: 404 ORDER_NOT_FOUND for another customer's order (as far as they can tell, it does not exist). */
export async function getForActor(q: Queryable, id: string, actor: Actor, forUpdate = false): Promise<OrderRow> {
  const order = await store.findOrder(q, id, forUpdate)
  if (!order || (actor !== 'system' && !actor.roles.includes('admin') && order.user_id !== actor.userId)) throw orderNotFound(id)
  return order
}

export async function getOrder(deps: Pick<OrderDeps, 'db'>, id: string, actor: Actor): Promise<OrderView> {
  const order = await getForActor(deps.db, id, actor)
  return toOrderView(order, await store.findLines(deps.db, [id]), await paymentStore.findPayments(deps.db, [id]))
}

export interface OrderPage {
  items: OrderView[]
  nextCursor: string | null
}

export async function listOrders(
  deps: Pick<OrderDeps, 'db' | 'cursors'>,
  actor: Identity,
  query: { status?: OrderStatus; userId?: string; customerEmail?: string; number?: string; limit: number; cursor?: string },
): Promise<OrderPage> {
  const admin = actor.roles.includes('admin')
  if ((query.userId !== undefined || query.customerEmail !== undefined) && !admin) throw forbidden('Only an admin can list the orders of other users')
  const userId = admin ? query.userId : actor.userId
  // Orders keep the account's address in its canonical form: the admin may type it in any case.
  const customerEmail = query.customerEmail === undefined ? undefined : canonicalEmail(query.customerEmail)
  // A cursor works for the list it was made for: the same viewer and filters.
  const number = query.number?.toLowerCase()
  const list = JSON.stringify(['orders', admin ? 'admin' : actor.userId, userId ?? null, query.status ?? null, customerEmail ?? null, number ?? null])
  const after = query.cursor === undefined ? undefined : decodeOrderCursor(deps.cursors, list, query.cursor)
  const rows = await listOrderRows(deps.db, {
    ...(userId !== undefined ? { userId } : {}),
    ...(customerEmail !== undefined ? { customerEmail } : {}),
    ...(number !== undefined ? { number } : {}),
    ...(admin ? {} : { hidden: UNLISTED_FOR_CUSTOMERS }),
    ...(query.status ? { status: query.status } : {}),
    limit: query.limit + 1,
    ...(after ? { after } : {}),
  })
  const page = rows.slice(0, query.limit)
  const ids = page.map((r) => r.id)
  const lines = ids.length ? await store.findLines(deps.db, ids) : []
  const payments = ids.length ? await paymentStore.findPayments(deps.db, ids) : []
  const last = page.at(-1)
  return {
    items: page.map((o) => toOrderView(o, lines.filter((l) => l.order_id === o.id), payments.filter((p) => p.order_id === o.id))),
    nextCursor: rows.length > query.limit && last ? deps.cursors.encode(list, [Number(last.created_us), last.id]) : null,
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

/** [created_at in microseconds since 1970, id]: a time PostgreSQL can hold and a real UUID, or 400 INVALID_CURSOR. */
function decodeOrderCursor(codec: CursorCodec, list: string, cursor: string): { createdUs: number; id: string } {
  const k = codec.decode(list, cursor)
  if (k.length !== 2 || !isIntIn(k[0], 0, Number.MAX_SAFE_INTEGER) || typeof k[1] !== 'string' || !UUID.test(k[1])) throw invalidCursor()
  return { createdUs: k[0], id: k[1] }
}
