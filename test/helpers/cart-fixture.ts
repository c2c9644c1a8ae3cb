import assert from 'node:assert/strict'
import type { TestContext } from 'node:test'
import type { LightMyRequestResponse } from 'fastify'
import { buildApp, type BuiltApp } from '../../src/app.js'
import { createRedis } from '../../src/platform/redis.js'
import { errorCode } from './auth-fixture.js'
import { buildTestApp, testDatabase, testEnv } from './build-app.js'
import { seedProductFixture } from './product-fixture.js'
import type { Adapters } from './databases.js'
import { servers } from './servers.js'
import type { CartItemView, CartView } from '../../src/services/cart/cart.js'

/** Small steps the cart tests share: requests with the cart and access tokens, and apps that restart on the same storage. */

export const CART_TOKEN = /^[A-Za-z0-9_-]{43}$/

/** The cart answers as the service types them (the token only on guest carts). */
export type CartItem = CartItemView
export type CartBody = CartView & { token?: string }

export interface CartRequest {
  method?: 'GET' | 'POST' | 'PATCH' | 'DELETE'
  url?: string
  payload?: unknown
  /** Guest cart token (X-Cart-Token). */
  cartToken?: string
  /** Access token (Authorization: Bearer). */
  accessToken?: string
  headers?: Record<string, string>
}

export type Ids = Awaited<ReturnType<typeof seedProductFixture>>['ids']

/** The whole shop (buildTestApp) with the catalog fixture. */
export async function shop(t: Pick<TestContext, 'after'>, adapters: Adapters, env: Record<string, string> = {}): Promise<{ built: BuiltApp; ids: Ids }> {
  // No event workers: the cart publishes and consumes nothing, and buildTestApp drops the
  // database before it closes the app, which a consumer still handling user.registered would trip over.
  const built = await buildTestApp(t, { adapters, env: { AUTH_RATE_LIMIT_MAX: '10000', BACKGROUND_WORKERS: 'false', ...env } })
  forgetRedisKeys(t, built.config.REDIS_KEY_PREFIX, adapters)
  const { ids } = await seedProductFixture(built.deps.db)
  return { built, ids }
}

export function expectError(res: { statusCode: number; body: string; json: <T>() => T }, status: number, code: string, what = '') {
  assert.equal(res.statusCode, status, `${what}: ${res.body}`)
  assert.equal(errorCode(res), code, `${what}: ${res.body}`)
}

export function cartRequest(built: BuiltApp, r: CartRequest = {}): Promise<LightMyRequestResponse> {
  return built.app.inject({
    method: r.method ?? 'GET',
    url: r.url ?? '/api/cart',
    headers: {
      ...(r.cartToken !== undefined ? { 'x-cart-token': r.cartToken } : {}),
      ...(r.accessToken !== undefined ? { authorization: `Bearer ${r.accessToken}` } : {}),
      ...r.headers,
    },
    ...(r.payload !== undefined ? { payload: r.payload as object } : {}),
  })
}

/** A request that must succeed: the cart it answers. */
export async function cartOk(built: BuiltApp, r: CartRequest = {}): Promise<CartBody> {
  const res = await cartRequest(built, r)
  assert.equal(res.statusCode, 200, `${r.method ?? 'GET'} ${r.url ?? '/api/cart'}: ${res.body}`)
  return res.json<CartBody>()
}

/** Adds as a guest and returns the cart token the answer carried. */
export async function guestAdd(built: BuiltApp, productId: number, quantity: number, cartToken?: string): Promise<string> {
  const res = await cartRequest(built, { method: 'POST', url: '/api/cart/items', payload: { productId, quantity }, ...(cartToken ? { cartToken } : {}) })
  assert.equal(res.statusCode, 200, res.body)
  const token = res.headers['x-cart-token']
  assert.ok(typeof token === 'string' && CART_TOKEN.test(token), `a cart token: ${String(token)}`)
  return token
}

/** Deletes the carts (and counters) a test left in the shared test Redis, after its apps closed. */
export function forgetRedisKeys(t: Pick<TestContext, 'after'>, prefix: string, adapters: Adapters) {
  if (adapters !== 'real') return
  t.after(async () => {
    const redis = await createRedis(servers.redisUrl, { name: 'cart-test-cleanup', commandTimeoutMs: 2000 })
    try {
      const keys = await redis.keys(`${prefix}*`)
      if (keys.length) await redis.del(...keys)
    } finally {
      await redis.quit()
    }
  })
}

/** Quantities by product id. */
export function quantities(cart: CartBody): Record<number, number> {
  return Object.fromEntries(cart.items.map((i) => [i.productId, i.quantity]))
}

/**
 * Apps built one after the other on the same storage, as a restart does: the
 * same PGlite database (embedded) or the same PostgreSQL database, Redis key
 * prefix and signing keys (real). Each start closes the previous app first.
 */
export async function restartableApp(t: Pick<TestContext, 'after'>, adapters: Adapters, extraEnv: Record<string, string> = {}) {
  let current: BuiltApp | undefined
  // Registered first, so it runs first (node:test runs after hooks in order): the app closes before its database goes.
  t.after(async () => {
    await current?.close()
  })
  const env: Record<string, string> = { ...(await testEnv(t)), ...extraEnv }
  const db = await testDatabase(t, adapters, env)
  forgetRedisKeys(t, env.REDIS_KEY_PREFIX!, adapters)
  return async function start(): Promise<BuiltApp> {
    await current?.close()
    current = await buildApp({ services: 'all', env, defaultMetrics: false, ...(db ? { db } : {}) })
    return current
  }
}
