import assert from 'node:assert/strict'
import { randomBytes, randomUUID } from 'node:crypto'
import { after, before, describe, test } from 'node:test'
import pg from 'pg'
import { createPgDb } from '../../src/platform/db/pg-db.js'
import * as store from '../../src/services/product/product-store.js'
import { clonePgDatabase } from '../helpers/databases.js'
import { until } from '../helpers/events.js'
import { ADDRESS, GOOD_CARD } from '../helpers/order-fixture.js'
import { freePort } from '../helpers/ports.js'
import { uniqueBusNames } from '../helpers/rabbitmq.js'
import { servers } from '../helpers/servers.js'
import { apartEnv, call, refusedStart, startService, type ServiceProcess } from '../helpers/services-apart.js'
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js'
import { tokenMinter } from '../helpers/token-minter.js'

type Customer = Awaited<ReturnType<Awaited<ReturnType<typeof tokenMinter>>['customer']>>

/**
 * Issue 16, found by running the five services apart: each fault with the
 * services as separate processes (production profile) on the shared
 * PostgreSQL, RabbitMQ and, through a loopback proxy the test can cut, Redis.
 * A crash at a chosen point of checkout is made by holding a table lock the
 * order process waits on, then SIGKILLing it.
 */
describe('services apart: a half-start, peer failures, readiness, crashes mid-checkout', () => {
  const fns: (() => Promise<void>)[] = []
  const scope = { after: (fn: () => Promise<void>) => void fns.push(fn) }
  let db: ReturnType<typeof createPgDb>
  let databaseUrl: string
  let redis: TcpProxy
  let minter: Awaited<ReturnType<typeof tokenMinter>>
  let env: Record<string, string>
  let orderEnv: Record<string, string>
  let productA: number
  let productB: number
  const svc: Record<string, ServiceProcess> = {}

  before(async () => {
    minter = await tokenMinter()
    databaseUrl = await clonePgDatabase(scope)
    redis = await startTcpProxy(Number(new URL(servers.redisUrl).port))
    scope.after(() => redis.close())
    env = await apartEnv(scope, {
      DATABASE_URL: databaseUrl,
      REDIS_URL: redis.url('redis'),
      ...uniqueBusNames(scope).env,
      JWT_SECRET: minter.secret,
      // As behind nginx: the address in X-Forwarded-For is the client's.
      TRUST_PROXY: 'loopback',
      // Recovery settings short enough for a test (defaults 10 s, 30 s, 10 s).
      ORDER_IDEMPOTENCY_LOCK_MS: '2000',
      ORDER_PAYMENT_STALE_MS: '3000',
      ORDER_SWEEP_MS: '500',
    })
    db = createPgDb({ url: databaseUrl, max: 3, min: 0, applicationName: 'test' })
    scope.after(() => db.close())
    productA = await store.insertProduct(db, { slug: `lamp-${randomUUID().slice(0, 8)}`, name: 'Lamp', description: '', priceAmount: 1000, currency: 'USD', categoryId: null, attributes: {}, stock: 100, images: [] })
    productB = await store.insertProduct(db, { slug: `vase-${randomUUID().slice(0, 8)}`, name: 'Vase', description: '', priceAmount: 2000, currency: 'USD', categoryId: null, attributes: {}, stock: 100, images: [] })
    svc.auth = await startService(scope, 'auth', env)
    env.AUTH_JWKS_URL = `${svc.auth.url}/api/auth/.well-known/jwks.json`
    svc.product = await startService(scope, 'product', env)
    svc.cart = await startService(scope, 'cart', { ...env, PRODUCT_SERVICE_URL: svc.product.url })
    orderEnv = { ...env, PRODUCT_SERVICE_URL: svc.product.url, CART_SERVICE_URL: svc.cart.url }
    svc.order = await startService(scope, 'order', orderEnv)
    svc.notification = await startService(scope, 'notification', env)
  })

  after(async () => {
    for (const fn of fns.reverse()) await fn()
  })

  const addToCart = async (who: Customer, productId: number) => {
    const res = await call(svc.cart!.url, 'POST', '/api/cart/items', { headers: who.headers, body: { productId, quantity: 1 } })
    assert.equal(res.status, 200, res.text)
  }
  const checkout = (base: string, who: Customer, key: string) =>
    call(base, 'POST', '/api/orders', { headers: { ...who.headers, 'idempotency-key': key }, body: { shippingAddress: ADDRESS, payment: { card: GOOD_CARD } } })

  test('production profile: the order service without its peers’ URLs, or with one that points nowhere, refuses to start with one line naming it', async () => {
    const { PRODUCT_SERVICE_URL: _p, CART_SERVICE_URL: _c, ...withoutPeers } = orderEnv
    const missing = await refusedStart('order', withoutPeers)
    assert.equal(missing.code, 1)
    assert.equal(missing.lines.length, 1, missing.lines.join('\n'))
    assert.match(missing.lines[0]!, /^emporium: invalid configuration: .*PRODUCT_SERVICE_URL is required with PROFILE=production .*CART_SERVICE_URL is required/)

    const nowhere = `http://127.0.0.1:${await freePort()}`
    const dead = await refusedStart('order', { ...orderEnv, CART_SERVICE_URL: nowhere, PEER_START_WAIT_MS: '1500' })
    assert.equal(dead.code, 1)
    assert.equal(dead.lines.length, 1, dead.lines.join('\n'))
    assert.match(dead.lines[0]!, new RegExp(`^emporium: invalid configuration: CART_SERVICE_URL \\(${nowhere.replaceAll('.', '\\.')}\\) does not answer: GET /health/live ECONNREFUSED`))
  })

  test('a wrong INTERNAL_API_TOKEN on one process: the shopper gets 503 DEPENDENCY_UNAVAILABLE with Retry-After, no internal route; both logs say why', async () => {
    const wrong = await startService(scope, 'order', { ...orderEnv, INTERNAL_API_TOKEN: randomBytes(32).toString('base64url') })
    const shopper = await minter.customer()
    await addToCart(shopper, productA)
    const res = await checkout(wrong.url, shopper, randomUUID())
    assert.equal(res.status, 503, res.text)
    assert.equal(res.json.error.code, 'DEPENDENCY_UNAVAILABLE')
    assert.equal(res.headers.get('retry-after'), '2')
    assert.doesNotMatch(res.text, /internal|route|token/i)
    assert.match(wrong.output(), /peer service call failed.*INTERNAL_TOKEN_REJECTED|INTERNAL_TOKEN_REJECTED.*peer service call failed/)
    assert.match(svc.cart!.output(), /internal route refused: INTERNAL_API_TOKEN differs between services/)
    await wrong.kill()
    // The same checkout through a correctly configured order process goes through.
    assert.equal((await checkout(svc.order!.url, shopper, randomUUID())).status, 201)
  })

  test('Redis down: each service’s readiness says what it needs (product and order degraded, notification ok, cart and auth not ready); the cart answers 503, not 500', async () => {
    const shopper = await minter.customer()
    const health = async () => ({
      product: await call(svc.product!.url, 'GET', '/api/products/health'),
      order: await call(svc.order!.url, 'GET', '/api/orders/health'),
      notification: await call(svc.notification!.url, 'GET', '/api/notifications/health'),
      cart: await call(svc.cart!.url, 'GET', '/api/cart/health'),
      auth: await call(svc.auth!.url, 'GET', '/api/auth/health'),
    })
    for (const [name, res] of Object.entries(await health())) assert.equal(res.json.status, 'ok', `${name}: ${res.text}`)
    redis.cut()
    try {
      const down = await health()
      assert.deepEqual(
        Object.fromEntries(Object.entries(down).map(([name, res]) => [name, `${res.status} ${res.json.status}`])),
        { product: '200 degraded', order: '200 degraded', notification: '200 ok', cart: '503 unavailable', auth: '503 unavailable' },
      )
      assert.match(down.cart.json.checks.redis, /^down/, 'a caller on this machine sees why')
      assert.equal(down.notification.json.checks.redis, undefined, 'the notification service does not use Redis')
      const outside = await call(svc.cart!.url, 'GET', '/api/cart/health', { headers: { 'x-forwarded-for': '203.0.113.9' } })
      assert.deepEqual(outside.json, { status: 'unavailable', service: 'cart' }, 'the public gets the status only')

      const list = await call(svc.product!.url, 'GET', '/api/products?limit=5')
      assert.equal(list.status, 200, 'the catalog is served from PostgreSQL')
      const add = await call(svc.cart!.url, 'POST', '/api/cart/items', { headers: shopper.headers, body: { productId: productA, quantity: 1 } })
      assert.equal(add.status, 503, add.text)
      assert.equal(add.json.error.code, 'CART_UNAVAILABLE')
      assert.equal(add.headers.get('retry-after'), '2')
    } finally {
      redis.resume()
    }
    await until('every service ready again', async () => (Object.values(await health()).every((r) => r.json.status === 'ok') ? true : undefined), 30_000, 200)
    await addToCart(shopper, productA)
  })

  test('a checkout resumed after its process died between the reservation and the order: the cart keeps what was added meanwhile', async () => {
    const shopper = await minter.customer()
    await addToCart(shopper, productA)
    const key = randomUUID()
    await crashDuring('orders.orders', () => checkout(svc.order!.url, shopper, key))
    const { rows: held } = await db.query<{ status: string }>('select r.status from catalog.reservations r where not exists (select 1 from orders.orders o where o.id = r.order_id)')
    assert.deepEqual(held.map((r) => r.status), ['held'], 'the stock is reserved, the order was never written')

    await addToCart(shopper, productB)
    svc.order = await startService(scope, 'order', orderEnv)
    const order = await retryUntilAnswered(() => checkout(svc.order!.url, shopper, key))
    assert.equal(order.status, 201, order.text)
    assert.deepEqual(order.json.lines.map((l: { productId: number; quantity: number }) => [l.productId, l.quantity]), [[productA, 1]], 'the order is what was reserved')
    const cart = await call(svc.cart!.url, 'GET', '/api/cart', { headers: shopper.headers })
    assert.deepEqual(cart.json.items.map((i: { productId: number; quantity: number }) => [i.productId, i.quantity]), [[productB, 1]], 'only what the order bought left the cart')
  })

  test('a checkout whose process died while charging: the retry with the same key is paid within the recovery settings, charged once', async () => {
    const shopper = await minter.customer()
    await addToCart(shopper, productA)
    const key = randomUUID()
    await crashDuring('orders.test_provider_operations', () => checkout(svc.order!.url, shopper, key))
    const { rows } = await db.query<{ status: string; payment: string }>(
      'select o.status, p.status as payment from orders.orders o join orders.payments p on p.order_id = o.id where o.user_id = $1',
      [shopper.userId],
    )
    assert.deepEqual(rows, [{ status: 'pending_payment', payment: 'pending' }], 'the order is written, its charge attempt left pending')

    svc.order = await startService(scope, 'order', orderEnv)
    const started = Date.now()
    const seen: string[] = []
    const paid = await retryUntilAnswered(() => checkout(svc.order!.url, shopper, key), seen)
    const seconds = (Date.now() - started) / 1000
    assert.equal(paid.status, 201, paid.text)
    assert.equal(paid.json.status, 'paid')
    assert.ok(seen.every((code) => code === 'IDEMPOTENCY_IN_FLIGHT' || code === 'PAYMENT_IN_PROGRESS'), seen.join(', '))
    // Lock 2 s + stale after 3 s + a sweep every 0.5 s; the fixed minute it replaces would take 45 s or more here.
    assert.ok(seconds < 15, `paid ${seconds.toFixed(1)} s after the restart (${seen.length} answers 409 first)`)
    const charges = await db.query<{ n: number }>(
      "select count(*)::int as n from orders.test_provider_operations where kind = 'charge' and status = 'succeeded' and idempotency_key like $1",
      [`charge:${paid.json.id}:%`],
    )
    assert.equal(charges.rows[0]!.n, 1)
  })

  /**
   * Holds an exclusive lock on the table, starts the request, waits until the
   * order process's statement waits on the lock, SIGKILLs the process, ends its
   * statement (the backend of a dead client would otherwise go on), and lets go.
   */
  async function crashDuring(table: string, request: () => Promise<unknown>): Promise<void> {
    const locker = new pg.Client({ connectionString: databaseUrl })
    await locker.connect()
    try {
      await locker.query('begin')
      await locker.query(`lock table ${table} in access exclusive mode`)
      const answered = request().then(() => 'answered', () => 'cut')
      // Statements waiting on the table; the checkout's is its insert (a sweep may read it too).
      const waiting = async (insert: boolean) => {
        const { rows } = await db.query<{ pid: number }>(
          `select l.pid from pg_locks l join pg_stat_activity a on a.pid = l.pid
           where l.relation = $1::regclass and not l.granted and ($2 = false or a.query like '%insert into ' || $1 || '%')`,
          [table, insert],
        )
        return rows.map((r) => r.pid)
      }
      await until(`the checkout waiting to insert into ${table}`, async () => ((await waiting(true)).length > 0 ? true : undefined), 30_000, 50)
      await svc.order!.kill()
      assert.equal(await answered, 'cut')
      for (const pid of await waiting(false)) await db.query('select pg_terminate_backend($1)', [pid])
    } finally {
      await locker.query('rollback').catch(() => {})
      await locker.end()
    }
  }
})

/** Retries as a client honouring Retry-After would, while the answer is 409 with Retry-After; the codes of those 409s go to seen. */
async function retryUntilAnswered(send: () => ReturnType<typeof call>, seen: string[] = [], timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const res = await send()
    const after = res.headers.get('retry-after')
    if (res.status !== 409 || !after || Date.now() > deadline) return res
    seen.push(res.json.error.code)
    await new Promise((r) => setTimeout(r, Math.min(Number(after) * 1000, 500)))
  }
}
