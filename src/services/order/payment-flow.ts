import { randomUUID } from 'node:crypto'
import type { Queryable } from '../../platform/db/db.js'
import { outboxRow } from '../../platform/events/outbox.js'
import type { OrderDeps } from './order-deps.js'
import { orderEvent, placedEvent } from './order-events.js'
import * as store from './order-store.js'
import * as paymentStore from './payment-store.js'
import type { LineRow, OrderRow } from './order-store.js'
import type { PaymentRow } from './payment-store.js'
import { chargeKey, refundKey, type CardInput, type ProviderResult } from './payment-provider.js'
import { PAYMENT_TRANSITIONS, settleTransition, TRANSITIONS } from './state-machine.js'

/**
 * Charges and refunds: one attempt at a time (a unique index), the provider
 * called with a key per attempt (a retried call is not a second charge), the
 * outcome and its events written together.
 */

/** What a provider answered, or 'not_sent' for an attempt it never saw (a crash before the call). */
export const NOT_SENT: ProviderResult = { status: 'declined', declineCode: 'not_sent', reference: '' }

/** Calls the provider for a pending charge attempt and writes its answer. */
export async function chargeAttempt(deps: OrderDeps, order: OrderRow, attempt: PaymentRow, card: CardInput, lines: readonly LineRow[]) {
  const result = await deps.payments.charge({ idempotencyKey: chargeKey(order.id, attempt.attempt), amount: attempt.amount, currency: attempt.currency, card })
  return settleCharge(deps, order, attempt, result, lines)
}

/**
 * Writes the provider's answer with its events; returns the order and the
 * attempt as they are now. Accepted: the order is paid, and placed (order.placed
 * then order.paid). Declined: the order ends (payment_failed) and its stock
 * goes back now, in this request; order.payment_failed releases it too,
 * should this call not get through.
 */
export async function settleCharge(
  deps: OrderDeps,
  order: OrderRow,
  attempt: PaymentRow,
  result: ProviderResult,
  lines: readonly LineRow[],
): Promise<{ order: OrderRow; payment: PaymentRow }> {
  if (result.status === 'declined') {
    const failed = outboxRow(orderEvent('order.payment_failed', order, { reason: result.declineCode }))
    await store.settleDeclinedCharge(deps.db, attempt.id, result.reference || null, result.declineCode, failed)
    await deps.products.release(order.id).catch((err: unknown) => deps.log.warn({ err, orderId: order.id }, 'stock of a declined order not released now: order.payment_failed will'))
    return {
      order: { ...order, status: TRANSITIONS.fail.to },
      payment: { ...attempt, status: PAYMENT_TRANSITIONS.decline.to, provider_ref: result.reference || null, decline_code: result.declineCode },
    }
  }
  const total = { amount: order.total_amount, currency: order.currency }
  const placed = placedEvent(order, lines)
  const paid = outboxRow(orderEvent('order.paid', order, { paymentId: attempt.id, total }))
  // The expiry sweep never cancels an order with an attempt in flight, so it is still pending here.
  return store.settleSucceededCharge(deps.db, attempt.id, result.reference, [placed, paid])
}

export function succeededCharge(payments: PaymentRow[]): PaymentRow | undefined {
  return payments.find((p) => p.kind === 'charge' && p.status === PAYMENT_TRANSITIONS.succeed.to)
}

/** The refund attempt of a charge, pending until the provider answers; undefined when one is under way or done. */
export function startRefund(q: Queryable, charge: PaymentRow) {
  return paymentStore.insertPendingPayment(q, { id: randomUUID(), orderId: charge.order_id, kind: 'refund', amount: charge.amount, currency: charge.currency, cardLast4: charge.card_last4 })
}

/** Asks the provider for a started refund and writes its answer. */
export async function refundPayment(deps: OrderDeps, refund: PaymentRow) {
  const charge = succeededCharge(await paymentStore.findPayments(deps.db, [refund.order_id]))!
  const result = await deps.payments.refund({ idempotencyKey: refundKey(refund.order_id), chargeReference: charge.provider_ref ?? '', amount: refund.amount, currency: refund.currency })
  await paymentStore.settlePayment(deps.db, refund.id, settleTransition(result.status), {
    providerRef: result.reference,
    declineCode: result.status === 'declined' ? result.declineCode : null,
  })
}
