import type { EventType } from '../../contracts/events.js'

/**
 * The order life cycle, as data:
 *
 *   pending_payment --pay--> paid --ship--> shipped --deliver--> delivered
 *         \                   |
 *          +----cancel--------+--> cancelled   (stock released, payment refunded)
 *
 * Every transition writes exactly one event to the outbox.
 */
export const ORDER_STATUSES = ['pending_payment', 'paid', 'shipped', 'delivered', 'cancelled'] as const
export type OrderStatus = (typeof ORDER_STATUSES)[number]

export type OrderAction = 'pay' | 'ship' | 'deliver' | 'cancel'

export const TRANSITIONS: Record<OrderAction, { from: readonly OrderStatus[]; to: OrderStatus; event: EventType }> = {
  pay: { from: ['pending_payment'], to: 'paid', event: 'order.paid' },
  ship: { from: ['paid'], to: 'shipped', event: 'order.shipped' },
  deliver: { from: ['shipped'], to: 'delivered', event: 'order.delivered' },
  cancel: { from: ['pending_payment', 'paid'], to: 'cancelled', event: 'order.cancelled' },
}

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
