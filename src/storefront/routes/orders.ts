import { randomUUID } from 'node:crypto'
import { setTimeout } from 'node:timers/promises'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { ApiError } from '../api-client.js'
import type { Order, Page, Quote } from '../api-types.js'
import { apiFor, formText, queryText, redirectToSignIn, sendPage, type Shop } from '../context.js'
import { messageFor } from '../messages.js'
import { checkoutPage, type CheckoutForm, type Pricing } from '../views/checkout.js'
import { orderPage, ordersPage } from '../views/orders.js'
import { callCart } from './cart.js'
import { invalidExpiry, orderNotFound, validation } from '../errors.js'

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/
const ADDRESS_FIELDS = ['name', 'line1', 'line2', 'city', 'postalCode', 'country', 'phone'] as const

function checkoutForm(req: FastifyRequest): CheckoutForm {
  const form: CheckoutForm = {}
  for (const f of [...ADDRESS_FIELDS, 'discountCode', 'cardNumber', 'cardExpiry', 'idempotencyKey'] as const) form[f] = formText(req, f)
  return form
}

const COUNTRY = /^[A-Z]{2}$/
const CODE = /^[A-Za-z0-9_-]{3,40}$/

/**
 * The cart priced as checkout would price it for the form's country and code (GET /api/orders/quote),
 * so "Pay" shows what will be charged. A code the API refuses is said, and the cart is priced without it.
 */
async function priceFor(shop: Shop, req: FastifyRequest, form: CheckoutForm): Promise<{ pricing: Pricing; codeProblem?: string }> {
  const country = form.country && COUNTRY.test(form.country) ? form.country : 'US'
  const quote = (discountCode?: string) => apiFor(shop, req)<Quote>({ method: 'GET', path: '/api/orders/quote', query: { country, discountCode } })
  const code = form.discountCode && CODE.test(form.discountCode) ? form.discountCode : undefined
  try {
    return { pricing: { quote: (await quote(code)).body, country } }
  } catch (err) {
    if (!(err instanceof ApiError) || err.status >= 500 || err.status === 401) throw err
    if (!code || !err.code.startsWith('DISCOUNT_CODE')) return { pricing: { quote: null, problem: messageFor(err) } }
    const withoutCode = await quote().then(
      (answer): Pricing => ({ quote: answer.body, country }),
      (again: unknown): Pricing => {
        if (!(again instanceof ApiError) || again.status >= 500 || again.status === 401) throw again
        return { quote: null, problem: messageFor(again) }
      },
    )
    return { pricing: withoutCode, codeProblem: messageFor(err) }
  }
}

/** "12/34" or "12 / 2034" -> month and four-digit year; undefined when not a date. */
function parseExpiry(text: string | undefined): { expMonth: number; expYear: number } | undefined {
  const m = /^(\d{1,2})\s*\/\s*(\d{2}|\d{4})$/.exec(text ?? '')
  if (!m) return undefined
  const expMonth = Number(m[1])
  const expYear = m[2]!.length === 2 ? 2000 + Number(m[2]) : Number(m[2])
  return expMonth >= 1 && expMonth <= 12 ? { expMonth, expYear } : undefined
}

function cardOf(req: FastifyRequest) {
  const expiry = parseExpiry(formText(req, 'cardExpiry'))
  if (!expiry) throw invalidExpiry()
  return { number: formText(req, 'cardNumber'), ...expiry, cvc: formText(req, 'cardCvc') }
}

/** The API answers 409 IDEMPOTENCY_IN_FLIGHT (Retry-After: 1) while the first submission of a form is still running: ask again, as any client would. */
const IN_FLIGHT_RETRIES = 5
const IN_FLIGHT_WAIT_MS = 1000

async function placeOrder(shop: Shop, req: FastifyRequest, form: CheckoutForm): Promise<Order> {
  const address = Object.fromEntries(ADDRESS_FIELDS.filter((f) => form[f]).map((f) => [f, form[f]]))
  const body = { shippingAddress: address, ...(form.discountCode ? { discountCode: form.discountCode } : {}), payment: { card: cardOf(req) } }
  const call = { method: 'POST' as const, path: '/api/orders', idempotencyKey: form.idempotencyKey!, body }
  for (let attempt = 1; ; attempt++) {
    try {
      return (await apiFor(shop, req)<Order>(call)).body
    } catch (err) {
      if (!(err instanceof ApiError) || err.code !== 'IDEMPOTENCY_IN_FLIGHT' || attempt >= IN_FLIGHT_RETRIES) throw err
      await setTimeout(IN_FLIGHT_WAIT_MS)
    }
  }
}

/**
 * Checkout (signed-in customers only: the API has no guest orders), order history, order detail, cancel.
 * Each checkout form carries its own Idempotency-Key: a form sent twice (a double click, a reload of
 * the answer) is one checkout, and the page that answers a refusal carries a new key, since what the
 * customer sends from it (another card, say) is a new attempt. A declined card leaves no order and the
 * cart as it was, so the answer is the checkout page again, with the provider's reason.
 */
export function registerOrderPages(app: FastifyInstance, shop: Shop) {
  app.get('/checkout', async (req, reply) => {
    if (!req.shop.identity) return reply.redirect('/account/sign-in?next=%2Fcheckout', 303)
    const cart = await callCart(shop, req, reply, { method: 'GET', path: '/api/cart' })
    if (cart.items.length === 0) return reply.redirect('/cart', 303)
    const form: CheckoutForm = { idempotencyKey: randomUUID(), country: 'US' }
    const { pricing } = await priceFor(shop, req, form)
    return sendPage(shop, req, reply, (v) => checkoutPage(v, cart, form, pricing))
  })

  // "Update the total": the same form, priced again for its country and code; nothing is bought.
  app.post('/checkout/review', async (req, reply) => {
    if (!req.shop.identity) return redirectToSignIn(req, reply)
    const cart = await callCart(shop, req, reply, { method: 'GET', path: '/api/cart' })
    if (cart.items.length === 0) return reply.redirect('/cart', 303)
    const form = checkoutForm(req)
    if (!form.idempotencyKey || !UUID.test(form.idempotencyKey)) form.idempotencyKey = randomUUID()
    const { pricing, codeProblem } = await priceFor(shop, req, form)
    return sendPage(shop, req, reply, (v) => checkoutPage(v, cart, form, pricing, codeProblem), codeProblem ? 400 : 200)
  })

  app.post('/checkout', async (req, reply) => {
    if (!req.shop.identity) return redirectToSignIn(req, reply)
    const form = checkoutForm(req)
    try {
      if (!form.idempotencyKey || !UUID.test(form.idempotencyKey)) throw validation('The form is incomplete')
      const order = await placeOrder(shop, req, form)
      await callCart(shop, req, reply, { method: 'GET', path: '/api/cart' }).catch(() => undefined)
      return reply.redirect(`/account/orders/${order.id}?placed=1`, 303)
    } catch (err) {
      if (!(err instanceof ApiError) || err.status >= 500 || err.status === 401) throw err
      // Still running after the retries: its outcome shows in the order history (or, declined, on a new checkout).
      if (err.code === 'IDEMPOTENCY_IN_FLIGHT') return reply.redirect('/account/orders', 303)
      const cart = await callCart(shop, req, reply, { method: 'GET', path: '/api/cart' })
      if (cart.items.length === 0) return reply.redirect('/cart', 303)
      // Another card is another attempt: the declined number is not offered again.
      const next: CheckoutForm = { ...form, idempotencyKey: randomUUID(), ...(err.code === 'PAYMENT_DECLINED' ? { cardNumber: '', cardExpiry: '' } : {}) }
      const { pricing } = await priceFor(shop, req, next)
      return sendPage(shop, req, reply, (v) => checkoutPage(v, cart, next, pricing, messageFor(err)), err.status)
    }
  })

  app.get('/account/orders', async (req, reply) => {
    if (!req.shop.identity) return redirectToSignIn(req, reply)
    const cursor = queryText(req, 'cursor')
    const page = (await apiFor(shop, req)<Page<Order>>({ method: 'GET', path: '/api/orders', query: { limit: 20, cursor } })).body
    return sendPage(shop, req, reply, (v) => ordersPage(v, page))
  })

  app.get('/account/orders/:id', async (req, reply) => {
    if (!req.shop.identity) return redirectToSignIn(req, reply)
    const id = (req.params as { id: string }).id
    if (!UUID.test(id)) throw orderNotFound()
    const order = (await apiFor(shop, req)<Order>({ method: 'GET', path: `/api/orders/${id}` })).body
    const notice = queryText(req, 'placed') === '1' ? 'placed' : queryText(req, 'updated') === '1' ? 'updated' : undefined
    return sendPage(shop, req, reply, (v) => orderPage(v, order, { ...(notice ? { notice } : {}) }))
  })

  app.post('/account/orders/:id/cancel', async (req, reply) => {
    if (!req.shop.identity) return redirectToSignIn(req, reply)
    const { id } = req.params as { id: string }
    if (!UUID.test(id)) throw orderNotFound()
    const api = apiFor(shop, req)
    try {
      await api({ method: 'POST', path: `/api/orders/${id}/cancel`, body: { reason: 'cancelled by the customer' } })
      return reply.redirect(`/account/orders/${id}?updated=1`, 303)
    } catch (err) {
      if (!(err instanceof ApiError) || err.status >= 500 || err.status === 401 || err.code === 'ORDER_NOT_FOUND') throw err
      const order = (await api<Order>({ method: 'GET', path: `/api/orders/${id}` })).body
      return sendPage(shop, req, reply, (v) => orderPage(v, order, { error: messageFor(err) }), err.status)
    }
  })
}
