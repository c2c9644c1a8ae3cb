import { randomUUID } from 'node:crypto'
import type { Logger } from 'pino'
import type { CartClient } from '../../contracts/cart.js'
import type { ProductClient } from '../../contracts/product.js'
import type { EventType, OrderLinePayload } from '../../contracts/events.js'
import type { Identity } from '../../platform/auth/token-verifier.js'
import type { Db, Queryable } from '../../platform/db/db.js'
import { AppError, forbidden } from '../../platform/errors.js'
import { appendEvent, outboxRow } from '../../platform/events/outbox.js'
import { currencyMismatch, emptyCart, invalidTransition, NothingWritten, orderNotFound, paymentInProgress, reservationExpired } from './errors.js'
import * as store from './order-store.js'
import { loadView, toOrderView, type OrderView } from './order-views.js'
import type { LineRow, OrderRow, PaymentRow } from './order-store.js'
import { chargeKey, refundKey, type CardInput, type PaymentProvider, type ProviderResult } from './payments.js'
import { canApply, TRANSITIONS, type OrderAction } from './state-machine.js'

/** The order flows, each one named function that reads like the story. */

export interface OrderDeps {
  db: Db
  products: ProductClient
  cart: CartClient
  payments: PaymentProvider
  log: Logger
  settings: { reservationTtlSeconds: number }
}

export type Actor = Identity | 'system'

function linePayloads(lines: LineRow[], currency: string): OrderLinePayload[] {
  return lines.map((l) => ({ productId: l.product_id, name: l.name, quantity: l.quantity, unitPrice: { amount: l.unit_amount, currency } }))
}

function orderEvent(type: EventType, order: Pick<OrderRow, 'id' | 'user_id' | 'customer_email'>, extra: Record<string, unknown> = {}) {
  return {
    type,
    aggregateType: 'order',
    aggregateId: order.id,
    payload: { orderId: order.id, userId: order.user_id, customerEmail: order.customer_email, ...extra } as never,
  }
}

async function emit(tx: Queryable, type: EventType, order: OrderRow, extra: Record<string, unknown> = {}) {
  await appendEvent(tx, 'orders', orderEvent(type, order, extra))
}

// --- checkout -------------------------------------------------------------------

export interface PlaceOrderInput {
  user: Identity
  orderId: string
  shippingAddress: Record<string, string>
  card?: CardInput
  /** A retry took over this order id from an earlier attempt that stopped midway. */
  resumed?: boolean
}

/**
 * Checkout: the user's cart becomes an order priced by the catalog, with the
 * stock of every line reserved by the product service, written with its
 * order.placed event in one transaction; then paid when a card came with it.
 * Safe to run again with the same order id (a retry after a crash resumes).
 */
export async function placeOrder(deps: OrderDeps, input: PlaceOrderInput): Promise<OrderView> {
  const { user, orderId } = input
  if (input.resumed && (await store.findOrder(deps.db, orderId))) return resumeOrder(deps, input)
  const cart = await deps.cart.getUserCart(user.userId)
  if (cart.length === 0) throw emptyCart()
  const reservation = await reserve(deps, orderId, cart)
  const currency = reservation.lines[0]!.unitPrice.currency
  if (reservation.lines.some((l) => l.unitPrice.currency !== currency)) {
    await deps.products.release(orderId)
    throw currencyMismatch()
  }
  const lines = reservation.lines.map((l) => ({ productId: l.productId, name: l.name, quantity: l.quantity, unitAmount: l.unitPrice.amount }))
  const subtotal = lines.reduce((sum, l) => sum + l.unitAmount * l.quantity, 0)
  const charge = input.card ? { id: randomUUID(), cardLast4: lastFour(input.card) } : undefined
  const placed = outboxRow(
    orderEvent('order.placed', { id: orderId, user_id: user.userId, customer_email: user.email }, {
      lines: lines.map((l) => ({ productId: l.productId, name: l.name, quantity: l.quantity, unitPrice: { amount: l.unitAmount, currency } })),
      total: { amount: subtotal, currency },
    }),
  )
  // One statement: the order, its lines, its first charge attempt and order.placed, or nothing.
  const created = await store.insertOrder(
    deps.db,
    { id: orderId, userId: user.userId, customerEmail: user.email, currency, subtotal, total: subtotal, shippingAddress: input.shippingAddress, lines },
    charge,
    placed,
  )
  // Another attempt with this order id got there first.
  if (!created) return resumeOrder(deps, input)
  // The items now belong to the order. Losing this call only leaves them in the cart.
  await deps.cart.removeOrdered(user.userId, orderId, cart).catch((err) => deps.log.warn({ err, orderId }, 'could not empty the cart after checkout'))
  if (!created.payment || !input.card) return toOrderView(created.order, created.lines, [])
  const settled = await chargeAttempt(deps, created.order, created.payment, input.card)
  return toOrderView(settled.order, created.lines, [settled.payment])
}

async function resumeOrder(deps: OrderDeps, input: PlaceOrderInput): Promise<OrderView> {
  const order = (await store.findOrder(deps.db, input.orderId))!
  if (input.card && order.status === 'pending_payment') return payOrder(deps, { orderId: order.id, actor: input.user, card: input.card })
  return (await loadView(deps.db, order.id))!
}

function lastFour(card: CardInput): string {
  return card.number.replace(/\D/g, '').slice(-4)
}

async function reserve(deps: OrderDeps, orderId: string, cart: { productId: number; quantity: number }[]) {
  let reservation
  try {
    reservation = await deps.products.reserve(orderId, cart, deps.settings.reservationTtlSeconds)
  } catch (err) {
    if (err instanceof AppError && err.status === 409) throw new NothingWritten(err.code, err.message, 409)
    throw err
  }
  if (reservation.status === 'released') {
    throw reservationExpired()
  }
  return reservation
}

// --- payment ---------------------------------------------------------------------

/**
 * Charges the order's total once: one attempt at a time (a unique index), the
 * provider called with a key per attempt (a retried call is not a second charge),
 * the outcome and its event written together. A decline leaves the order
 * waiting for another card until the payment window closes.
 */
export async function payOrder(deps: OrderDeps, input: { orderId: string; actor: Actor; card: CardInput }): Promise<OrderView> {
  const started = await deps.db.transaction(async (tx) => {
    const order = await getForActor(tx, input.orderId, input.actor, true)
    if (order.status !== 'pending_payment') {
      if (order.status === 'paid' || order.status === 'shipped' || order.status === 'delivered') return undefined
      throw invalidTransition(order.status, 'paid')
    }
    const pending = await store.insertPendingPayment(tx, {
      id: randomUUID(),
      orderId: order.id,
      kind: 'charge',
      amount: order.total_amount,
      currency: order.currency,
      cardLast4: lastFour(input.card),
    })
    if (!pending) throw paymentInProgress()
    return { order, pending }
  })
  if (started) await chargeAttempt(deps, started.order, started.pending, input.card)
  return (await loadView(deps.db, input.orderId))!
}

async function chargeAttempt(deps: OrderDeps, order: OrderRow, attempt: PaymentRow, card: CardInput) {
  const result = await deps.payments.charge({ idempotencyKey: chargeKey(order.id, attempt.attempt), amount: attempt.amount, currency: attempt.currency, card })
  return settleCharge(deps, order, attempt, result)
}

/** Writes the provider's answer and its event together; returns the order and the attempt as they are now. */
async function settleCharge(deps: OrderDeps, order: OrderRow, attempt: PaymentRow, result: ProviderResult): Promise<{ order: OrderRow; payment: PaymentRow }> {
  // Each outcome with its event in one statement.
  if (result.status === 'declined') {
    await store.settleDeclinedCharge(deps.db, attempt.id, result.reference, result.declineCode, outboxRow(orderEvent('order.payment_failed', order, { reason: result.declineCode })))
    return { order, payment: { ...attempt, status: 'declined' as const, provider_ref: result.reference, decline_code: result.declineCode } }
  }
  // The expiry sweep never cancels an order with an attempt in flight, so it is still pending here.
  const paid = outboxRow(orderEvent('order.paid', order, { paymentId: attempt.id, total: { amount: order.total_amount, currency: order.currency } }))
  return store.settleSucceededCharge(deps.db, attempt.id, result.reference, paid)
}

// --- the rest of the life cycle ------------------------------------------------------

async function getForActor(q: Queryable, id: string, actor: Actor, forUpdate = false): Promise<OrderRow> {
  const order = await store.findOrder(q, id, forUpdate)
  // Another customer's order does not exist, as far as this customer can tell.
  if (!order || (actor !== 'system' && !actor.roles.includes('admin') && order.user_id !== actor.userId)) {
    throw orderNotFound(id)
  }
  return order
}

export async function getOrder(deps: OrderDeps, id: string, actor: Actor): Promise<OrderView> {
  const order = await getForActor(deps.db, id, actor)
  return toOrderView(order, await store.findLines(deps.db, [id]), await store.findPayments(deps.db, [id]))
}

const ADMIN_ACTIONS: readonly OrderAction[] = ['ship', 'deliver']

/**
 * Moves an order along the state machine: ship and deliver for admins, cancel
 * for the customer (pending or paid) or an admin. Cancelling gives the stock
 * back (the order.cancelled event) and refunds a paid order.
 */
export async function transition(
  deps: OrderDeps,
  id: string,
  action: Exclude<OrderAction, 'pay'>,
  actor: Actor,
  extra: { trackingNumber?: string; reason?: string } = {},
): Promise<OrderView> {
  if (ADMIN_ACTIONS.includes(action) && actor !== 'system' && !actor.roles.includes('admin')) {
    throw forbidden(`Only an admin can ${action} an order`)
  }
  const refund = await deps.db.transaction(async (tx) => {
    const order = await getForActor(tx, id, actor, true)
    if (!canApply(order.status, action)) throw invalidTransition(order.status, TRANSITIONS[action].to)
    const payments = await store.findPayments(tx, [id])
    if (action === 'cancel' && payments.some((p) => p.kind === 'charge' && p.status === 'pending')) {
      throw paymentInProgress()
    }
    const to = TRANSITIONS[action].to
    const reason = extra.reason ?? (actor === 'system' ? 'payment_timeout' : actor.roles.includes('admin') && actor.userId !== order.user_id ? 'cancelled_by_shop' : 'cancelled_by_customer')
    await store.updateOrderStatus(tx, id, to, action === 'ship' ? { ...(extra.trackingNumber ? { trackingNumber: extra.trackingNumber } : {}) } : action === 'cancel' ? { cancelReason: reason } : {})
    if (action === 'cancel') {
      const lines = await store.findLines(tx, [id])
      await emit(tx, 'order.cancelled', order, { reason, lines: linePayloads(lines, order.currency) })
      const charge = succeededCharge(payments)
      if (charge) return startRefund(tx, charge)
    } else {
      await emit(tx, TRANSITIONS[action].event, order, action === 'ship' && extra.trackingNumber ? { trackingNumber: extra.trackingNumber } : {})
    }
    return undefined
  })
  if (refund) await refundPayment(deps, refund)
  return (await loadView(deps.db, id))!
}

function succeededCharge(payments: PaymentRow[]): PaymentRow | undefined {
  return payments.find((p) => p.kind === 'charge' && p.status === 'succeeded')
}

/** The refund attempt of a charge, pending until the provider answers; undefined when one is under way or done. */
function startRefund(q: Queryable, charge: PaymentRow) {
  return store.insertPendingPayment(q, { id: randomUUID(), orderId: charge.order_id, kind: 'refund', amount: charge.amount, currency: charge.currency, cardLast4: charge.card_last4 })
}

async function refundPayment(deps: OrderDeps, refund: PaymentRow) {
  const charge = succeededCharge(await store.findPayments(deps.db, [refund.order_id]))!
  const result = await deps.payments.refund({ idempotencyKey: refundKey(refund.order_id), chargeReference: charge.provider_ref ?? '', amount: refund.amount, currency: refund.currency })
  await store.settlePayment(deps.db, refund.id, { status: result.status, providerRef: result.reference, declineCode: result.status === 'declined' ? result.declineCode : null })
}

// --- background work -----------------------------------------------------------------

/**
 * Cancels unpaid orders whose payment window closed (their stock goes back),
 * settles payment attempts a crash left pending, and finishes refunds.
 */
export async function sweep(deps: OrderDeps, paymentWindowMs: number): Promise<{ expired: number; settled: number; refunded: number }> {
  let expired = 0
  for (const id of await store.listExpiredUnpaid(deps.db, paymentWindowMs, 100)) {
    try {
      await transition(deps, id, 'cancel', 'system', { reason: 'payment_timeout' })
      expired++
    } catch (err) {
      if (!(err instanceof AppError && err.status === 409)) throw err
    }
  }
  let settled = 0
  for (const p of await store.listStalePendingPayments(deps.db, 100)) {
    const key = p.kind === 'charge' ? chargeKey(p.order_id, p.attempt) : refundKey(p.order_id)
    const answer = await deps.payments.lookup(key)
    if (p.kind === 'refund') {
      await refundPayment(deps, p)
    } else if (answer) {
      await settleCharge(deps, (await store.findOrder(deps.db, p.order_id))!, p, answer)
    } else {
      // The provider never saw it: nothing was charged.
      await store.settlePayment(deps.db, p.id, { status: 'declined', providerRef: null, declineCode: 'not_sent' })
    }
    settled++
  }
  let refunded = 0
  for (const orderId of await store.listUnrefunded(deps.db, 100)) {
    const refund = await startRefund(deps.db, succeededCharge(await store.findPayments(deps.db, [orderId]))!)
    if (refund) {
      await refundPayment(deps, refund)
      refunded++
    }
  }
  return { expired, settled, refunded }
}
