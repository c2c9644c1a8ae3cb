import { forbidden } from '../../platform/errors.js'
import { invalidTransition, paymentInProgress } from './errors.js'
import type { Actor, OrderDeps } from './order-deps.js'
import { emitOrderEvent, linePayloads } from './order-events.js'
import * as store from './order-store.js'
import * as paymentStore from './payment-store.js'
import { getForActor, loadView, type OrderView } from './order-views.js'
import { refundPayment, startRefund, succeededCharge } from './payment-flow.js'
import { canApply, PAYMENT_INITIAL_STATUS, TRANSITIONS, type OrderAction } from './state-machine.js'

const ADMIN_ACTIONS: readonly OrderAction[] = ['ship', 'deliver']

/**
 * Moves an order along the state machine: ship and deliver for admins, cancel
 * for the customer (pending or paid) or an admin. Cancelling gives the stock
 * back (the order.cancelled event) and refunds a paid order.
 */
export async function transition(
  deps: OrderDeps,
  id: string,
  action: Exclude<OrderAction, 'pay' | 'fail'>,
  actor: Actor,
  extra: { trackingNumber?: string; reason?: string } = {},
): Promise<OrderView> {
  if (ADMIN_ACTIONS.includes(action) && actor !== 'system' && !actor.roles.includes('admin')) {
    throw forbidden(`Only an admin can ${action} an order`)
  }
  const step = TRANSITIONS[action]
  const refund = await deps.db.transaction(async (tx) => {
    const order = await getForActor(tx, id, actor, true)
    if (!canApply(order.status, action)) throw invalidTransition(order.status, step.to)
    const payments = await paymentStore.findPayments(tx, [id])
    if (action === 'cancel' && payments.some((p) => p.kind === 'charge' && p.status === PAYMENT_INITIAL_STATUS)) throw paymentInProgress()
    if (action !== 'cancel') {
      const tracking = action === 'ship' && extra.trackingNumber ? { trackingNumber: extra.trackingNumber } : {}
      await store.moveOrder(tx, id, step, tracking)
      await emitOrderEvent(tx, step.event, order, tracking)
      return undefined
    }
    const reason = extra.reason ?? (actor === 'system' ? 'payment_timeout' : actor.roles.includes('admin') && actor.userId !== order.user_id ? 'cancelled_by_shop' : 'cancelled_by_customer')
    await store.moveOrder(tx, id, step, { cancelReason: reason })
    const lines = await store.findLines(tx, [id])
    await emitOrderEvent(tx, step.event, order, { reason, lines: linePayloads(lines, order.currency) })
    const charge = succeededCharge(payments)
    return charge ? startRefund(tx, charge) : undefined
  })
  if (refund) await refundPayment(deps, refund)
  return (await loadView(deps.db, id))!
}
