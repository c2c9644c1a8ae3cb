import { randomUUID } from 'node:crypto'
import type { Queryable } from '../../platform/db/db.js'
import { outboxRow } from '../../platform/events/outbox.js'
import { invalidTransition, paymentInProgress } from './errors.js'
import type { Actor, OrderDeps } from './order-deps.js'
import { orderEvent } from './order-events.js'
import * as store from './order-store.js'
import * as paymentStore from './payment-store.js'
import type { OrderRow } from './order-store.js'
import type { PaymentRow } from './payment-store.js'
import { getForActor, loadView, type OrderView } from './order-views.js'
import { cardLast4, chargeKey, refundKey, type CardInput, type ProviderResult } from './payment-provider.js'
import { canApply, isPaid, PAYMENT_TRANSITIONS, settleTransition, TRANSITIONS } from './state-machine.js'

/**
 * Charges and refunds: one attempt at a time (a unique index), the provider
 * called with a key per attempt (a retried call is not a second charge), the
 * outcome and its event written together.
 */

/**
 * Charges the order's total once. A decline leaves the order waiting for
 * another card until the payment window closes; an order paid already is
 * answered as it is.
 */
export async function payOrder(deps: OrderDeps, input: { orderId: string; actor: Actor; card: CardInput }): Promise<OrderView> {
  const started = await deps.db.transaction(async (tx) => {
    const order = await getForActor(tx, input.orderId, input.actor, true)
    if (!canApply(order.status, 'pay')) {
      if (isPaid(order.status)) return undefined
      throw invalidTransition(order.status, TRANSITIONS.pay.to)
    }
    const pending = await paymentStore.insertPendingPayment(tx, {
      id: randomUUID(),
      orderId: order.id,
      kind: 'charge',
      amount: order.total_amount,
      currency: order.currency,
      cardLast4: cardLast4(input.card),
    })
    if (!pending) throw paymentInProgress()
    return { order, pending }
  })
  if (started) await chargeAttempt(deps, started.order, started.pending, input.card)
  return (await loadView(deps.db, input.orderId))!
}

/** Calls the provider for a pending charge attempt and writes its answer. */
export async function chargeAttempt(deps: OrderDeps, order: OrderRow, attempt: PaymentRow, card: CardInput) {
  const result = await deps.payments.charge({ idempotencyKey: chargeKey(order.id, attempt.attempt), amount: attempt.amount, currency: attempt.currency, card })
  return settleCharge(deps, order, attempt, result)
}

/** Writes the provider's answer and its event together; returns the order and the attempt as they are now. */
export async function settleCharge(deps: OrderDeps, order: OrderRow, attempt: PaymentRow, result: ProviderResult): Promise<{ order: OrderRow; payment: PaymentRow }> {
  // Each outcome with its event in one statement.
  if (result.status === 'declined') {
    const failed = outboxRow(orderEvent('order.payment_failed', order, { reason: result.declineCode }))
    await paymentStore.settleDeclinedCharge(deps.db, attempt.id, result.reference, result.declineCode, failed)
    return { order, payment: { ...attempt, status: PAYMENT_TRANSITIONS.decline.to, provider_ref: result.reference, decline_code: result.declineCode } }
  }
  // The expiry sweep never cancels an order with an attempt in flight, so it is still pending here.
  const paid = outboxRow(orderEvent('order.paid', order, { paymentId: attempt.id, total: { amount: order.total_amount, currency: order.currency } }))
  return store.settleSucceededCharge(deps.db, attempt.id, result.reference, paid)
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
