import type { Queryable } from '../../platform/db/db.js'
import { outboxInsertWhen } from '../../platform/events/outbox.js'
import { PAYMENT_COLUMNS, type PaymentRow } from './payment-store.js'
import type { Breakdown, TaxLine } from './pricing.js'
import { INITIAL_STATUS, PAYMENT_INITIAL_STATUS, PAYMENT_TRANSITIONS, TRANSITIONS, type OrderStatus, type PaymentStatus, type Transition } from './state-machine.js'

/**
 * The SQL of orders and their lines (schema `orders`); payments, idempotency keys
 * and the test provider's ledger have their own stores. No status is written as
 * a literal: they come from the tables of state-machine.ts, as parameters.
 */

export interface OrderRow {
  id: string
  user_id: string
  customer_email: string
  status: OrderStatus
  currency: string
  subtotal_amount: number
  total_amount: number
  shipping_address: Record<string, string>
  billing_address: Record<string, string>
  tracking_number: string | null
  cancel_reason: string | null
  created_at: Date
  updated_at: Date
  paid_at: Date | null
  shipped_at: Date | null
  delivered_at: Date | null
  cancelled_at: Date | null
  promotion_id: number | null
  promotion_name: string | null
  promotion_amount: number
  discount_code: string | null
  discount_amount: number
  shipping_option_id: number | null
  shipping_name: string | null
  shipping_amount: number
  tax_amount: number
  tax_lines: TaxLine[]
  prices_include_tax: boolean
}

export interface LineRow {
  order_id: string
  product_id: number
  /** null for lines written before variants (their product's only variant). */
  variant_id: number | null
  sku: string | null
  options: Record<string, string>
  weight_grams: number
  name: string
  quantity: number
  unit_amount: number
}

/** A line as the checkout writes it (from the reservation). */
export interface NewLine {
  productId: number
  variantId: number | null
  sku: string | null
  options: Record<string, string>
  weightGrams: number
  name: string
  quantity: number
  unitAmount: number
}

export const ORDER_COLUMNS = `id, user_id, customer_email, status, currency, subtotal_amount, total_amount, shipping_address, billing_address,
  tracking_number, cancel_reason, created_at, updated_at, paid_at, shipped_at, delivered_at, cancelled_at,
  promotion_id, promotion_name, promotion_amount,
  discount_code, discount_amount, shipping_option_id, shipping_name, shipping_amount, tax_amount, tax_lines, prices_include_tax`

export interface NewOrder {
  id: string
  userId: string
  customerEmail: string
  currency: string
  subtotal: number
  total: number
  shippingAddress: Record<string, string>
  billingAddress: Record<string, string>
  lines: NewLine[]
  /** What the order costs beyond its lines (pricing.ts); total is already the sum. */
  charges: Pick<Breakdown, 'promotion' | 'discount' | 'shipping' | 'taxLines' | 'tax' | 'pricesIncludeTax'>
}

/** An outbox row (outboxRow), written in the same statement as the change it reports. */
export interface EventRow {
  params: unknown[]
}

/**
 * Writes the order, its lines and its first charge attempt in one statement,
 * with its events (none while the charge is in flight; order.placed and
 * order.paid for a free order, written paid); undefined when an order with
 * this id exists already (a resumed checkout).
 */
export async function insertOrder(
  tx: Queryable,
  o: NewOrder & { status: OrderStatus },
  charge: { id: string; status: PaymentStatus; cardLast4: string | null },
  events: readonly EventRow[],
): Promise<{ order: OrderRow; lines: LineRow[]; payment: PaymentRow } | undefined> {
  // The variant columns' parameters come after the events'.
  const v = 30 + events.reduce((n, e) => n + e.params.length, 0)
  const { rows } = await tx.query<OrderRow & { payment: Omit<PaymentRow, 'created_at'> & { created_at: string } }>(
    `with o as (
       insert into orders.orders (id, user_id, customer_email, status, currency, subtotal_amount, total_amount, shipping_address, paid_at,
         discount_code_id, discount_code, discount_amount, shipping_option_id, shipping_name, shipping_amount, tax_amount, tax_lines, prices_include_tax,
         promotion_id, promotion_name, promotion_amount, billing_address)
       values ($1, $2, $3, $14, $4, $5, $6, $7, case when $14 = $16 then now() end, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26, $27, $28, $29)
       on conflict (id) do nothing
       returning ${ORDER_COLUMNS}
     ), l as (
       insert into orders.order_lines (order_id, product_id, name, quantity, unit_amount, variant_id, sku, options, weight_grams)
       select o.id, x.* from o, unnest($8::bigint[], $9::text[], $10::int[], $11::int[],
         $${v}::bigint[], $${v + 1}::text[], $${v + 2}::jsonb[], $${v + 3}::int[]) as x
       returning 1
     ), p as (
       insert into orders.payments (id, order_id, kind, status, attempt, amount, currency, card_last4)
       select $12::uuid, o.id, 'charge', $15::text, 1, o.total_amount, o.currency, $13 from o
       returning ${PAYMENT_COLUMNS}
     )${eventsWhen(30, events, 'exists (select 1 from o)')}
     select o.*, (select to_jsonb(p) from p) as payment, (select count(*) from l) as line_count from o`,
    [
      o.id, o.userId, o.customerEmail, o.currency, o.subtotal, o.total, JSON.stringify(o.shippingAddress),
      o.lines.map((l) => l.productId), o.lines.map((l) => l.name), o.lines.map((l) => l.quantity), o.lines.map((l) => l.unitAmount),
      charge.id, charge.cardLast4,
      o.status, charge.status, TRANSITIONS.pay.to,
      ...chargeParams(o.charges),
      JSON.stringify(o.billingAddress),
      ...events.flatMap((e) => e.params),
      o.lines.map((l) => l.variantId), o.lines.map((l) => l.sku), o.lines.map((l) => JSON.stringify(l.options)), o.lines.map((l) => l.weightGrams),
    ],
  )
  const row = rows[0]
  if (!row) return undefined
  const { payment, ...order } = row as typeof row & { line_count?: number }
  delete (order as { line_count?: number }).line_count
  const lines = o.lines.map((l) => ({ order_id: o.id, ...toLineRow(l) })).sort(byLine)
  return { order, lines, payment: { ...payment, created_at: new Date(payment.created_at) } }
}

function chargeParams(c: NewOrder['charges']): unknown[] {
  return [
    c.discount?.codeId ?? null, c.discount?.code ?? null, c.discount?.amount ?? 0,
    c.shipping?.optionId ?? null, c.shipping?.name ?? null, c.shipping?.amount ?? 0,
    c.tax, JSON.stringify(c.taxLines), c.pricesIncludeTax,
    c.promotion?.promotionId ?? null, c.promotion?.name ?? null, c.promotion?.amount ?? 0,
  ]
}

/** The CTE that writes these events (from parameter $first on) when the condition holds; nothing when there are none. */
function eventsWhen(first: number, events: readonly EventRow[], condition: string): string {
  return events.length ? `, ev as (${outboxInsertWhen('orders', first, condition, events.length)})` : ''
}

export async function findOrder(q: Queryable, id: string, forUpdate = false): Promise<OrderRow | undefined> {
  const { rows } = await q.query<OrderRow>(`select ${ORDER_COLUMNS} from orders.orders where id = $1${forUpdate ? ' for update' : ''}`, [id])
  return rows[0]
}

/** A line as stored, from what the checkout writes. */
export function toLineRow(l: NewLine): Omit<LineRow, 'order_id'> {
  return { product_id: l.productId, variant_id: l.variantId, sku: l.sku, options: l.options, weight_grams: l.weightGrams, name: l.name, quantity: l.quantity, unit_amount: l.unitAmount }
}

/** Lines in (product, variant) order, as findLines reads them. */
const byLine = (a: Omit<LineRow, 'order_id'>, b: Omit<LineRow, 'order_id'>) => a.product_id - b.product_id || (a.variant_id ?? 0) - (b.variant_id ?? 0)

export async function findLines(q: Queryable, orderIds: readonly string[]): Promise<LineRow[]> {
  const { rows } = await q.query<LineRow>(
    `select order_id, product_id, variant_id, sku, options, weight_grams, name, quantity, unit_amount
     from orders.order_lines where order_id = any($1::uuid[]) order by order_id, product_id, coalesce(variant_id, 0)`,
    [orderIds],
  )
  return rows
}

/** When the order reached each status. */
const STAMPS: Record<OrderStatus, string | null> = {
  pending_payment: null,
  paid: 'paid_at',
  shipped: 'shipped_at',
  delivered: 'delivered_at',
  cancelled: 'cancelled_at',
  payment_failed: null,
}

/** Moves the order along a transition of the state machine; false when it was not in one of its from-statuses. */
export async function moveOrder(
  tx: Queryable,
  id: string,
  transition: Transition<OrderStatus>,
  extra: { trackingNumber?: string; cancelReason?: string } = {},
): Promise<boolean> {
  const stamp = STAMPS[transition.to]
  const r = await tx.query(
    `update orders.orders set status = $2, updated_at = now()${stamp ? `, ${stamp} = now()` : ''},
       tracking_number = coalesce($3, tracking_number), cancel_reason = coalesce($4, cancel_reason)
     where id = $1 and status = any($5::text[])`,
    [id, transition.to, extra.trackingNumber ?? null, extra.cancelReason ?? null, transition.from],
  )
  return r.rowCount === 1
}

/** Unpaid orders older than the payment window, with no payment attempt in flight. */
export async function listExpiredUnpaid(q: Queryable, olderThanMs: number, limit: number): Promise<string[]> {
  const { rows } = await q.query<{ id: string }>(
    `select o.id from orders.orders o
     where o.status = $3 and o.created_at < now() - make_interval(secs => $1::double precision / 1000)
       and not exists (select 1 from orders.payments p where p.order_id = o.id and p.status = $4)
     order by o.created_at limit $2`,
    [olderThanMs, limit, INITIAL_STATUS, PAYMENT_INITIAL_STATUS],
  )
  return rows.map((r) => r.id)
}

/**
 * A charge the provider accepted: the attempt succeeded and the order is paid,
 * with its events (order.placed, then order.paid), in one statement. Returns
 * both rows as they are now.
 */
export async function settleSucceededCharge(
  tx: Queryable,
  paymentId: string,
  providerRef: string,
  /** Written only if the order was pending. */
  events: readonly EventRow[],
): Promise<{ order: OrderRow; payment: PaymentRow }> {
  const { rows } = await tx.query<OrderRow & { payment: Omit<PaymentRow, 'created_at'> & { created_at: string } }>(
    `with p as (
       update orders.payments set status = $3, provider_ref = $2, decline_code = null, updated_at = now()
       where id = $1 and status = any($4::text[])
       returning ${PAYMENT_COLUMNS}
     ), o as (
       update orders.orders set status = $5, ${STAMPS[TRANSITIONS.pay.to]} = now(), updated_at = now()
       where id = (select order_id from p) and status = any($6::text[])
       returning ${ORDER_COLUMNS}
     )${eventsWhen(7, events, 'exists (select 1 from o)')}
     select o.*, (select to_jsonb(p) from p) as payment from o`,
    [paymentId, providerRef, PAYMENT_TRANSITIONS.succeed.to, PAYMENT_TRANSITIONS.succeed.from, TRANSITIONS.pay.to, TRANSITIONS.pay.from, ...events.flatMap((e) => e.params)],
  )
  const row = rows[0]
  if (!row) throw new Error(`charge ${paymentId} was settled already or its order is not pending`)
  const { payment, ...order } = row
  return { order, payment: { ...payment, created_at: new Date(payment.created_at) } }
}

/**
 * A charge the provider declined: the attempt declined and the order ended
 * (payment_failed) with its order.payment_failed event, in one statement.
 * False when the attempt was settled already.
 */
export async function settleDeclinedCharge(tx: Queryable, paymentId: string, providerRef: string | null, declineCode: string, event: EventRow): Promise<boolean> {
  const { rows } = await tx.query<{ n: number }>(
    `with p as (
       update orders.payments set status = $4, provider_ref = $2, decline_code = $3, updated_at = now()
       where id = $1 and status = any($5::text[]) returning order_id
     ), o as (
       update orders.orders set status = $6, updated_at = now()
       where id = (select order_id from p) and status = any($7::text[]) returning id
     )${eventsWhen(8, [event], 'exists (select 1 from o)')}
     select count(*)::int as n from p`,
    [paymentId, providerRef, declineCode, PAYMENT_TRANSITIONS.decline.to, PAYMENT_TRANSITIONS.decline.from, TRANSITIONS.fail.to, TRANSITIONS.fail.from, ...event.params],
  )
  return rows[0]!.n === 1
}
