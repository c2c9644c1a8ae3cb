import { AppError } from '../../platform/errors.js'
import type { OrderDeps } from './order-deps.js'
import { transition } from './lifecycle.js'
import * as store from './order-store.js'
import * as paymentStore from './payment-store.js'
import { NOT_SENT, refundPayment, settleCharge, startRefund, succeededCharge } from './payment-flow.js'
import { chargeKey, refundKey } from './payment-provider.js'

export interface SweepResult {
  expired: number
  settled: number
  refunded: number
}

/**
 * The order service's background pass, in every instance: settles charge
 * attempts a crash left pending (from the provider's answer to their key: paid,
 * or ended as payment_failed with the stock back), finishes refunds, and
 * cancels unpaid orders without an attempt in flight once their payment window
 * closed (only orders from before checkout took payment or nothing).
 */
export async function sweep(deps: OrderDeps, settings: { paymentWindowMs: number; paymentStaleMs: number }): Promise<SweepResult> {
  let expired = 0
  for (const id of await store.listExpiredUnpaid(deps.db, settings.paymentWindowMs, 100)) {
    try {
      await transition(deps, id, 'cancel', 'system', { reason: 'payment_timeout' })
      expired++
    } catch (err) {
      // Paid or cancelled meanwhile, or an attempt started: the next pass looks again.
      if (!(err instanceof AppError && err.status === 409)) throw err
    }
  }
  let settled = 0
  for (const p of await paymentStore.listStalePendingPayments(deps.db, 100, settings.paymentStaleMs)) {
    const key = p.kind === 'charge' ? chargeKey(p.order_id, p.attempt) : refundKey(p.order_id)
    const answer = await deps.payments.lookup(key)
    if (p.kind === 'refund') {
      await refundPayment(deps, p)
    } else {
      // Without an answer the provider never saw it: nothing was charged, and the order ends like a declined one.
      await settleCharge(deps, (await store.findOrder(deps.db, p.order_id))!, p, answer ?? NOT_SENT, await store.findLines(deps.db, [p.order_id]))
    }
    settled++
  }
  let refunded = 0
  for (const orderId of await paymentStore.listUnrefunded(deps.db, 100)) {
    const refund = await startRefund(deps.db, succeededCharge(await paymentStore.findPayments(deps.db, [orderId]))!)
    if (refund) {
      await refundPayment(deps, refund)
      refunded++
    }
  }
  return { expired, settled, refunded }
}
