import { randomUUID } from 'node:crypto'
import type { CartLine } from '../../contracts/cart.js'
import type { Identity } from '../../platform/auth/token-verifier.js'
import { AppError } from '../../platform/errors.js'
import { outboxRow } from '../../platform/events/outbox.js'
import { currencyMismatch, emptyCart, NothingWritten, reservationExpired } from './errors.js'
import type { OrderDeps } from './order-deps.js'
import { linePayloads, orderEvent } from './order-events.js'
import * as store from './order-store.js'
import { loadView, toOrderView, type OrderView } from './order-views.js'
import { chargeAttempt, payOrder } from './payment-flow.js'
import { cardLast4, type CardInput } from './payment-provider.js'
import { canApply } from './state-machine.js'

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
  const charge = input.card ? { id: randomUUID(), cardLast4: cardLast4(input.card) } : undefined
  const placed = outboxRow(
    orderEvent('order.placed', { id: orderId, user_id: user.userId, customer_email: user.email }, {
      lines: linePayloads(
        lines.map((l) => ({ product_id: l.productId, name: l.name, quantity: l.quantity, unit_amount: l.unitAmount })),
        currency,
      ),
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
  // What the order bought leaves the cart: the reserved lines, not the cart as it is now (a
  // resumed checkout keeps its first reservation; what was added since stays). Losing this call
  // only leaves them in the cart.
  const bought = lines.map((l) => ({ productId: l.productId, quantity: l.quantity }))
  await deps.cart.removeOrdered(user.userId, orderId, bought).catch((err) => deps.log.warn({ err, orderId }, 'could not empty the cart after checkout'))
  if (!created.payment || !input.card) return toOrderView(created.order, created.lines, [])
  const settled = await chargeAttempt(deps, created.order, created.payment, input.card)
  return toOrderView(settled.order, created.lines, [settled.payment])
}

async function resumeOrder(deps: OrderDeps, input: PlaceOrderInput): Promise<OrderView> {
  const order = (await store.findOrder(deps.db, input.orderId))!
  if (input.card && canApply(order.status, 'pay')) return payOrder(deps, { orderId: order.id, actor: input.user, card: input.card })
  return (await loadView(deps.db, order.id))!
}

/** The product service's reservation of the cart's stock; its refusals are refusals of the checkout, with nothing written. */
async function reserve(deps: OrderDeps, orderId: string, cart: CartLine[]) {
  let reservation
  try {
    reservation = await deps.products.reserve(orderId, cart, deps.settings.reservationTtlSeconds)
  } catch (err) {
    if (err instanceof AppError && err.status === 409) throw new NothingWritten(err.code, err.message, 409)
    throw err
  }
  // The contract's status: the product service gave the stock back (it expired before this retry).
  if (reservation.status === 'released') throw reservationExpired()
  return reservation
}
