import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import type { BuiltApp } from '../../src/app.js'
import { bearer, registerUser, uniqueEmail } from './auth-fixture.js'
import { buildTestApp } from './build-app.js'
import type { Adapters } from './databases.js'
import { until } from './events.js'
import { seedProductFixture } from './product-fixture.js'

export { errorCode } from './auth-fixture.js'

/** Per-client rate limits out of the way: an order test sends more than one shopper would. */
export const ORDER_TEST_ENV = { ORDER_RATE_LIMIT_MAX: '100000', CART_RATE_LIMIT_MAX: '100000', AUTH_RATE_LIMIT_MAX: '100000' }

/** The shop with these adapters and the product fixture seeded. */
export async function orderShop(t: { after: (fn: () => Promise<void>) => void }, adapters: Adapters, extraEnv: Record<string, string> = {}) {
  const built = await buildTestApp(t, { adapters, env: { ...ORDER_TEST_ENV, ...extraEnv } })
  const fixture = await seedProductFixture(built.deps.db)
  return { built, ...fixture }
}

/** A signed-in customer with helpers to fill the cart and check out, over HTTP. */
export interface Shopper {
  userId: string
  email: string
  headers: Record<string, string>
}

export const ADDRESS = { name: 'Ada Lovelace', line1: '12 Analytical Row', city: 'London', postalCode: 'N1 9GU', country: 'GB' }
export const GOOD_CARD = { number: '4242 4242 4242 4242', expMonth: 12, expYear: 2034, cvc: '123' }
export const DECLINED_CARD = { number: '4000 0000 0000 0002', expMonth: 12, expYear: 2034, cvc: '123' }

export async function shopper(built: BuiltApp, name = 'shopper'): Promise<Shopper> {
  const session = await registerUser(built, uniqueEmail(name))
  return { userId: session.user.id, email: session.user.email, headers: bearer(session.accessToken) }
}

export async function admin(built: BuiltApp): Promise<Shopper> {
  const s = await shopper(built, 'admin')
  await built.deps.db.query(`update auth.users set roles = array['customer', 'admin'] where id = $1`, [s.userId])
  const res = await built.app.inject({ method: 'POST', url: '/api/auth/login', payload: { email: s.email, password: 'correct horse battery staple' } })
  assert.equal(res.statusCode, 200, res.body)
  return { ...s, headers: bearer(res.json<{ accessToken: string }>().accessToken) }
}

export async function addToCart(built: BuiltApp, who: Shopper, productId: number, quantity: number) {
  const res = await built.app.inject({ method: 'POST', url: '/api/cart/items', headers: who.headers, payload: { productId, quantity } })
  assert.ok(res.statusCode === 200 || res.statusCode === 201, `add to cart: ${res.statusCode} ${res.body}`)
}

export function checkout(built: BuiltApp, who: Shopper, options: { key?: string | null; card?: object | null; body?: object } = {}) {
  const key = options.key === undefined ? randomUUID() : options.key
  const body = options.body ?? { shippingAddress: ADDRESS, ...(options.card !== null ? { payment: { card: options.card ?? GOOD_CARD } } : {}) }
  return built.app.inject({
    method: 'POST',
    url: '/api/orders',
    headers: { ...who.headers, ...(key !== null ? { 'idempotency-key': key } : {}) },
    payload: body,
  })
}

export async function stockOf(built: BuiltApp, productId: number): Promise<number> {
  const { rows } = await built.deps.db.query<{ stock: number }>('select stock from catalog.products where id = $1', [productId])
  return rows[0]!.stock
}

export async function orderEvents(built: BuiltApp, orderId: string): Promise<string[]> {
  const { rows } = await built.deps.db.query<{ type: string }>('select type from orders.outbox where aggregate_id = $1 order by seq', [orderId])
  return rows.map((r) => r.type)
}

export async function charges(built: BuiltApp, orderId: string): Promise<number> {
  const { rows } = await built.deps.db.query<{ n: number }>(
    "select count(*)::int as n from orders.test_provider_operations where idempotency_key like $1 and kind = 'charge'",
    [`charge:${orderId}:%`],
  )
  return rows[0]!.n
}

export function eventually<T>(what: string, fn: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 15_000): Promise<T> {
  return until(what, async () => {
    const v = await fn()
    return ok(v) ? v : undefined
  }, timeoutMs)
}
