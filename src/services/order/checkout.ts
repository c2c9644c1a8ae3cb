import { randomUUID } from 'node:crypto'
import type { CartLine } from '../../contracts/cart.js'
import type { Reservation } from '../../contracts/product.js'
import type { Identity } from '../../platform/auth/token-verifier.js'
import type { Queryable } from '../../platform/db/db.js'
import { AppError } from '../../platform/errors.js'
import { outboxRow } from '../../platform/events/outbox.js'
import { currencyMismatch, emptyCart, markNothingWritten, NothingWritten, paymentDeclined, paymentRequired, reservationExpired } from './errors.js'
import { checkoutAddresses, type AddressChoice } from './address-book.js'
import type { OrderDeps } from './order-deps.js'
import { orderEvent, placedEvent } from './order-events.js'
import * as store from './order-store.js'
import * as paymentStore from './payment-store.js'
import { toLineRow, type LineRow, type NewLine, type OrderRow } from './order-store.js'
import { loadView, toOrderView, type OrderView } from './order-views.js'
import { precheck, priceOrder, type PricingChoice, type PricingContext } from './pricing.js'
import { choiceOf, loadPricing, parcelWeight, pricedCart, redeemDiscount } from './quote.js'
import { chargeAttempt } from './payment-flow.js'
import { cardLast4, type CardInput } from './payment-provider.js'
import { INITIAL_STATUS, PAYMENT_INITIAL_STATUS, PAYMENT_TRANSITIONS, TRANSITIONS } from './state-machine.js'

export interface PlaceOrderInput extends AddressChoice {
  user: Identity
  orderId: string
  discountCode?: string
  shippingOption?: number
  card?: CardInput
  /** A retry took over this order id from an earlier attempt that stopped midway. */
  resumed?: boolean
}

/**
 * Checkout takes payment or nothing: the user's cart becomes an order priced by
 * the catalog, with the stock of every line reserved by the product service,
 * written with its first charge attempt, then charged. Accepted: the order is
 * paid and placed, and its lines leave the cart. Declined: 402 PAYMENT_DECLINED
 * with the provider's reason, the order ends as payment_failed (never placed:
 * no order.placed, no e-mail, not in the customer's list), its stock goes back
 * in this request and the cart stays. A free order (total 0) needs no card.
 * The order is priced with the shop's discount code, shipping and tax rules
 * (pricing.ts); refusals that need no prices come before any stock is held.
 * Safe to run again with the same order id (a retry after a crash resumes).
 */
export async function placeOrder(deps: OrderDeps, input: PlaceOrderInput): Promise<OrderView> {
  const { user, orderId } = input
  const existing = input.resumed ? await store.findOrder(deps.db, orderId) : undefined
  if (existing) return resumeOrder(deps, existing, input)
  const addresses = await checkoutAddresses(deps.db, user.userId, input)
  const placing = { ...input, shippingAddress: addresses.shipping, billingAddress: addresses.billing }
  const request = pricingRequest(placing)
  // The shop's rules do not depend on the cart: both are read at once.
  const [cart, pricing] = await Promise.all([deps.cart.getUserCart(user.userId), loadPricing(deps, user.userId, request)])
  if (cart.length === 0) throw emptyCart()
  const choice = choiceOf(request)
  // Asked before any stock is held (an unknown product is the reservation's to refuse); checked again on the reserved prices.
  precheck(pricing, choice)
  if (!input.card && (await costsMoney(deps, cart, pricing, choice))) throw paymentRequired()
  const reservation = await reserve(deps, orderId, cart)
  const created = await writeOrder(deps, placing, reservation, pricing, choice)
  // Another attempt with this order id got there first.
  if (!created) return resumeOrder(deps, (await store.findOrder(deps.db, orderId))!, input)
  if (created.order.status === TRANSITIONS.pay.to) return accepted(deps, created.order, created.lines, created.payment)
  const settled = await chargeAttempt(deps, created.order, created.payment, input.card!, created.lines)
  return accepted(deps, settled.order, created.lines, settled.payment)
}

/** A checkout whose addresses are known (its own, or the address book's). */
type Placing = PlaceOrderInput & { shippingAddress: Record<string, string>; billingAddress: Record<string, string> }

/** The address's country and region, the code and the shipping option: what the order's price depends on besides its lines. */
function pricingRequest(input: Placing) {
  const { country, region } = input.shippingAddress
  return {
    country: country!,
    ...(region ? { region } : {}),
    ...(input.discountCode !== undefined ? { discountCode: input.discountCode } : {}),
    ...(input.shippingOption !== undefined ? { shippingOption: input.shippingOption } : {}),
  }
}

/**
 * The order, its lines and first charge in one statement; with a discount code,
 * in one transaction with the code's use (redeemDiscount). Any failure between
 * the reservation and this write (a code used up meanwhile included) gives the
 * stock back before the answer, unless the order did get written (then only
 * the answer was lost).
 */
async function writeOrder(deps: OrderDeps, input: Placing, reservation: Reservation, pricing: PricingContext, choice: PricingChoice) {
  try {
    const currency = reservation.lines[0]!.unitPrice.currency
    if (reservation.lines.some((l) => l.unitPrice.currency !== currency)) throw currencyMismatch()
    // The variant's data as reserved: what was sold, even if the catalog changes later.
    const lines: NewLine[] = reservation.lines.map((l) => ({
      productId: l.productId,
      variantId: l.variantId ?? null,
      sku: l.sku ?? null,
      options: l.options ?? {},
      weightGrams: l.weightGrams ?? 0,
      name: l.name,
      quantity: l.quantity,
      unitAmount: l.unitPrice.amount,
    }))
    const subtotal = lines.reduce((sum, l) => sum + l.unitAmount * l.quantity, 0)
    const price = priceOrder(pricing, choice, currency, subtotal, parcelWeight(lines))
    const total = price.total
    if (total > 0 && !input.card) throw paymentRequired()
    const order = { id: input.orderId, userId: input.user.userId, customerEmail: input.user.email, currency, subtotal, total, shippingAddress: input.shippingAddress, billingAddress: input.billingAddress, lines, charges: price }
    const charge = { id: randomUUID(), cardLast4: input.card ? cardLast4(input.card) : null }
    const insert = (q: Queryable) => {
      if (total > 0) return store.insertOrder(q, { ...order, status: INITIAL_STATUS }, { ...charge, status: PAYMENT_INITIAL_STATUS }, [])
      // Nothing to charge: written paid, and placed, at once.
      const row = {
        id: order.id, user_id: order.userId, customer_email: order.customerEmail, currency, total_amount: 0, subtotal_amount: subtotal,
        promotion_name: price.promotion?.name ?? null, promotion_amount: price.promotion?.amount ?? 0,
        discount_code: price.discount?.code ?? null, discount_amount: price.discount?.amount ?? 0, shipping_amount: price.shipping?.amount ?? 0,
        tax_amount: price.tax, prices_include_tax: price.pricesIncludeTax,
      }
      const events = [placedEvent(row, lines.map(toLineRow)), outboxRow(orderEvent('order.paid', row, { paymentId: charge.id, total: { amount: 0, currency } }))]
      return store.insertOrder(q, { ...order, status: TRANSITIONS.pay.to }, { ...charge, status: PAYMENT_TRANSITIONS.succeed.to }, events)
    }
    const discount = price.discount
    if (!discount) return await insert(deps.db)
    return await deps.db.transaction(async (tx) => {
      await redeemDiscount(tx, discount.codeId, input.user.userId)
      return insert(tx)
    })
  } catch (err) {
    await releaseUnlessWritten(deps, input.orderId, err)
    throw err
  }
}

async function releaseUnlessWritten(deps: OrderDeps, orderId: string, err: unknown): Promise<void> {
  try {
    if (await store.findOrder(deps.db, orderId)) return
    await deps.products.release(orderId)
    markNothingWritten(err)
  } catch (releaseErr) {
    // Cannot tell or cannot release now: the reservation's expiry gives the stock back.
    deps.log.warn({ err: releaseErr, orderId }, 'checkout failed and its stock reservation could not be released now')
  }
}

/** The order is paid: its lines leave the cart (what was added meanwhile stays). Losing this call only leaves them there. */
async function accepted(deps: OrderDeps, order: OrderRow, lines: LineRow[], payment: paymentStore.PaymentRow): Promise<OrderView> {
  if (order.status === TRANSITIONS.fail.to) throw paymentDeclined(payment.decline_code ?? 'declined')
  if (order.status === TRANSITIONS.pay.to) {
    const ordered = lines.map((l) => ({ productId: l.product_id, ...(l.variant_id !== null ? { variantId: l.variant_id } : {}), quantity: l.quantity }))
    await deps.cart.removeOrdered(order.user_id, order.id, ordered).catch((err) => deps.log.warn({ err, orderId: order.id }, 'could not empty the cart after checkout'))
  }
  return toOrderView(order, lines, [payment])
}

/**
 * A retry of a checkout that stopped midway, with the same key (so the same
 * body and card): a charge still in flight is sent again under its attempt's
 * provider key (never a second charge); a decided order answers as it was decided.
 */
async function resumeOrder(deps: OrderDeps, order: OrderRow, input: PlaceOrderInput): Promise<OrderView> {
  const lines = await store.findLines(deps.db, [order.id])
  const payments = await paymentStore.findPayments(deps.db, [order.id])
  const charge = payments.filter((p) => p.kind === 'charge').at(-1)
  if (order.status === INITIAL_STATUS && charge?.status === PAYMENT_INITIAL_STATUS && input.card) {
    const settled = await chargeAttempt(deps, order, charge, input.card, lines)
    return accepted(deps, settled.order, lines, settled.payment)
  }
  if (charge && (order.status === TRANSITIONS.fail.to || order.status === TRANSITIONS.pay.to)) return accepted(deps, order, lines, charge)
  return (await loadView(deps.db, order.id))!
}

/** Whether the cart at its current prices, with its code, shipping and tax, costs more than 0. */
async function costsMoney(deps: OrderDeps, cart: CartLine[], pricing: PricingContext, choice: PricingChoice): Promise<boolean> {
  const priced = await pricedCart(deps, cart)
  return priced.currency !== undefined && priceOrder(pricing, choice, priced.currency, priced.subtotal, priced.weightGrams).total > 0
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
