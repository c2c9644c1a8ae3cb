import type { OrderEventType } from '../../contracts/events.js'

/**
 * The order life cycle, as data:
 *
 *   pending_payment --pay--> paid --ship--> shipped --deliver--> delivered
 *      |     \                |
 *      |      +---cancel------+--> cancelled        (stock released, payment refunded)
 *      +--fail--> payment_failed                   (the charge was declined: stock released)
 *
 * pending_payment is a checkout whose charge is in flight; a declined charge
 * ends the order at once (it was never placed: the customer's list does not
 * show it). Every transition writes exactly one event to the outbox. Every
 * status change goes through this table: the SQL gets its statuses from here as parameters.
 */
export const ORDER_STATUSES = ['pending_payment', 'paid', 'shipped', 'delivered', 'cancelled', 'payment_failed'] as const
export type OrderStatus = (typeof ORDER_STATUSES)[number]

export type OrderAction = 'pay' | 'fail' | 'ship' | 'deliver' | 'cancel'

export interface Transition<S extends string> {
  from: readonly S[]
  to: S
}

/** A checkout writes its order in this status, with its first charge attempt in flight. */
export const INITIAL_STATUS: OrderStatus = 'pending_payment'

export const TRANSITIONS: Record<OrderAction, Transition<OrderStatus> & { event: OrderEventType }> = {
  pay: { from: ['pending_payment'], to: 'paid', event: 'order.paid' },
  fail: { from: ['pending_payment'], to: 'payment_failed', event: 'order.payment_failed' },
  ship: { from: ['paid'], to: 'shipped', event: 'order.shipped' },
  deliver: { from: ['shipped'], to: 'delivered', event: 'order.delivered' },
  cancel: { from: ['pending_payment', 'paid'], to: 'cancelled', event: 'order.cancelled' },
}

/** Orders the customer never placed (their charge was declined): kept for the record, not listed to the customer. */
export const UNLISTED_FOR_CUSTOMERS: readonly OrderStatus[] = [TRANSITIONS.fail.to]

export function canApply(status: OrderStatus, action: OrderAction): boolean {
  return TRANSITIONS[action].from.includes(status)
}

/** The status after the action, or undefined when the state machine forbids it. */
export function nextStatus(status: OrderStatus, action: OrderAction): OrderStatus | undefined {
  return canApply(status, action) ? TRANSITIONS[action].to : undefined
}

export function isFinal(status: OrderStatus): boolean {
  return (Object.keys(TRANSITIONS) as OrderAction[]).every((a) => !canApply(status, a))
}

/**
 * A payment attempt (a charge or a refund), as data:
 *
 *   pending --succeed--> succeeded
 *      \----decline----> declined
 *
 * One attempt of a kind is pending at a time, at most one succeeds (unique indexes).
 */
export const PAYMENT_STATUSES = ['pending', 'succeeded', 'declined'] as const
export type PaymentStatus = (typeof PAYMENT_STATUSES)[number]

/** An attempt is written in this status before the provider is called. */
export const PAYMENT_INITIAL_STATUS: PaymentStatus = 'pending'

export const PAYMENT_TRANSITIONS: Record<'succeed' | 'decline', Transition<PaymentStatus>> = {
  succeed: { from: ['pending'], to: 'succeeded' },
  decline: { from: ['pending'], to: 'declined' },
}

/** The provider's answer as the attempt's transition. */
export function settleTransition(outcome: 'succeeded' | 'declined'): Transition<PaymentStatus> {
  return outcome === 'succeeded' ? PAYMENT_TRANSITIONS.succeed : PAYMENT_TRANSITIONS.decline
}

/** Orders that no longer stand (never placed, or cancelled): they hold no discount-code use. */
export const NOT_STANDING: readonly OrderStatus[] = [TRANSITIONS.fail.to, TRANSITIONS.cancel.to]
