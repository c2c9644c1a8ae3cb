import type { Queryable } from '../../platform/db/db.js'
import { PAYMENT_INITIAL_STATUS, PAYMENT_TRANSITIONS, TRANSITIONS, type PaymentStatus, type Transition } from './state-machine.js'

/**
 * The SQL of payment attempts (orders.payments): charges and refunds as the
 * provider answered them. Statuses come from state-machine.ts, as parameters.
 * A charge that pays or ends its order is in order-store.ts (settleSucceededCharge, settleDeclinedCharge).
 */

export interface PaymentRow {
  id: string
  order_id: string
  kind: 'charge' | 'refund'
  status: PaymentStatus
  attempt: number
  amount: number
  currency: string
  provider_ref: string | null
  decline_code: string | null
  card_last4: string | null
  created_at: Date
}

export const PAYMENT_COLUMNS = 'id, order_id, kind, status, attempt, amount, currency, provider_ref, decline_code, card_last4, created_at'

export async function findPayments(q: Queryable, orderIds: readonly string[]): Promise<PaymentRow[]> {
  const { rows } = await q.query<PaymentRow>(
    `select ${PAYMENT_COLUMNS} from orders.payments where order_id = any($1::uuid[]) order by order_id, created_at, attempt`,
    [orderIds],
  )
  return rows
}

/** Starts a payment attempt; undefined when another attempt of this kind is in flight. */
export async function insertPendingPayment(
  tx: Queryable,
  p: { id: string; orderId: string; kind: 'charge' | 'refund'; amount: number; currency: string; cardLast4: string | null },
): Promise<PaymentRow | undefined> {
  const { rows } = await tx.query<PaymentRow>(
    `insert into orders.payments (id, order_id, kind, status, attempt, amount, currency, card_last4)
     values ($1, $2, $3, $7,
       (select coalesce(max(attempt), 0) + 1 from orders.payments where order_id = $2 and kind = $3), $4, $5, $6)
     on conflict do nothing
     returning ${PAYMENT_COLUMNS}`,
    [p.id, p.orderId, p.kind, p.amount, p.currency, p.cardLast4, PAYMENT_INITIAL_STATUS],
  )
  return rows[0]
}

/** Moves a payment attempt along a transition with the provider's answer. */
export async function settlePayment(
  tx: Queryable,
  id: string,
  transition: Transition<PaymentStatus>,
  result: { providerRef: string | null; declineCode: string | null },
): Promise<void> {
  await tx.query(
    `update orders.payments set status = $2, provider_ref = $3, decline_code = $4, updated_at = now() where id = $1 and status = any($5::text[])`,
    [id, transition.to, result.providerRef, result.declineCode, transition.from],
  )
}

/** Attempts left pending by a crash (pending longer than staleMs): to be settled from the provider's answer. */
export async function listStalePendingPayments(q: Queryable, limit: number, staleMs: number): Promise<PaymentRow[]> {
  const { rows } = await q.query<PaymentRow>(
    `select ${PAYMENT_COLUMNS} from orders.payments
     where status = $2 and updated_at < now() - make_interval(secs => $3::double precision / 1000) order by created_at limit $1`,
    [limit, PAYMENT_INITIAL_STATUS, staleMs],
  )
  return rows
}

/** Cancelled orders that were charged and not refunded yet. */
export async function listUnrefunded(q: Queryable, limit: number): Promise<string[]> {
  const { rows } = await q.query<{ order_id: string }>(
    `select c.order_id from orders.payments c join orders.orders o on o.id = c.order_id
     where o.status = $2 and c.kind = 'charge' and c.status = $3
       and not exists (select 1 from orders.payments r where r.order_id = c.order_id and r.kind = 'refund' and r.status = any($4::text[]))
     limit $1`,
    [limit, TRANSITIONS.cancel.to, PAYMENT_TRANSITIONS.succeed.to, [PAYMENT_TRANSITIONS.succeed.to, PAYMENT_INITIAL_STATUS]],
  )
  return rows.map((r) => r.order_id)
}
