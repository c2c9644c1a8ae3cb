import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { describe, test } from 'node:test'
import { buildTestApp } from '../helpers/build-app.js'
import { seedProductFixture } from '../helpers/product-fixture.js'
import { clonePgDatabase } from '../helpers/databases.js'
import { ADDRESS, GOOD_CARD } from '../helpers/order-fixture.js'
import { servers } from '../helpers/servers.js'
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js'
import { tokenMinter } from '../helpers/token-minter.js'
import { until } from '../helpers/events.js'

/** What RELIABILITY.md promises when a dependency dies: PostgreSQL down -> fast 503; RabbitMQ down -> checkout unaffected. */
describe('dependency outages (real servers behind a loopback proxy)', () => {
  test('PostgreSQL unreachable: checkout and catalog answer 503 DATABASE_UNAVAILABLE at once, and recover', async (t) => {
    const minter = await tokenMinter()
    let proxy: TcpProxy | undefined
    const built = await buildTestApp(t, {
      adapters: 'real',
      env: { JWT_SECRET: minter.secret, CACHE_TTL_PRODUCTS_SECONDS: '0', BACKGROUND_WORKERS: 'false' },
      prepare: async (scope) => {
        const url = new URL(await clonePgDatabase(scope))
        proxy = await startTcpProxy(Number(url.port))
        const p = proxy
        scope.after(() => p.close())
        url.port = String(proxy.port)
        return { DATABASE_URL: url.toString() }
      },
    })
    const { ids } = await seedProductFixture(built.deps.db)
    const buyer = await minter.customer()
    const add = await built.app.inject({ method: 'POST', url: '/api/cart/items', headers: buyer.headers, payload: { productId: ids.lamp, quantity: 1 } })
    assert.equal(add.statusCode, 200, add.body)

    proxy!.cut()
    const started = Date.now()
    const checkout = await built.app.inject({
      method: 'POST', url: '/api/orders', headers: { ...buyer.headers, 'idempotency-key': randomUUID() }, payload: { shippingAddress: ADDRESS, payment: { card: GOOD_CARD } },
    })
    assert.equal(checkout.statusCode, 503, checkout.body)
    assert.equal(checkout.json().error.code, 'DATABASE_UNAVAILABLE')
    assert.equal(checkout.headers['retry-after'], '2')
    const list = await built.app.inject({ method: 'GET', url: '/api/products?limit=1' })
    assert.equal(list.statusCode, 503)
    assert.ok(Date.now() - started < 3000, `answered in ${Date.now() - started} ms, not after a timeout`)
    const health = await built.app.inject({ method: 'GET', url: '/api/orders/health' })
    assert.equal(health.statusCode, 503)
    assert.match(health.json().checks.database, /^down/)
    assert.equal((await built.app.inject({ method: 'GET', url: '/health/live' })).statusCode, 200, 'liveness ignores dependencies')

    proxy!.resume()
    const again = await built.app.inject({
      method: 'POST', url: '/api/orders', headers: { ...buyer.headers, 'idempotency-key': randomUUID() }, payload: { shippingAddress: ADDRESS, payment: { card: GOOD_CARD } },
    })
    assert.equal(again.statusCode, 201, again.body)
  })

  test('RabbitMQ unreachable: checkout still succeeds; the events wait in the outbox', async (t) => {
    const minter = await tokenMinter()
    let proxy: TcpProxy | undefined
    const built = await buildTestApp(t, {
      adapters: 'real',
      env: { JWT_SECRET: minter.secret, EVENTS_EXCHANGE: `outage-${randomUUID().slice(0, 8)}`, EVENTS_QUEUE_PREFIX: `outage-${randomUUID().slice(0, 8)}-` },
      prepare: async (scope) => {
        const amqp = new URL(servers.amqpUrl)
        proxy = await startTcpProxy(Number(amqp.port))
        const p = proxy
        scope.after(() => p.close())
        amqp.port = String(proxy.port)
        return { AMQP_URL: amqp.toString() }
      },
    })
    const { ids } = await seedProductFixture(built.deps.db)
    const buyer = await minter.customer()
    await built.app.inject({ method: 'POST', url: '/api/cart/items', headers: buyer.headers, payload: { productId: ids.hose, quantity: 2 } })
    proxy!.cut()
    const res = await built.app.inject({
      method: 'POST', url: '/api/orders', headers: { ...buyer.headers, 'idempotency-key': randomUUID() }, payload: { shippingAddress: ADDRESS, payment: { card: GOOD_CARD } },
    })
    assert.equal(res.statusCode, 201, res.body)
    assert.equal(res.json().status, 'paid')
    const { rows } = await built.deps.db.query<{ type: string; published_at: Date | null }>('select type, published_at from orders.outbox where aggregate_id = $1 order by seq', [res.json().id])
    assert.deepEqual(rows.map((r) => r.type), ['order.placed', 'order.paid'])
    proxy!.resume()
  })

  test('regression: a Redis failure in the cart answered 500 INTERNAL; cut or stalled, it is 503 with Retry-After, for the cart and the checkout', async (t) => {
    const minter = await tokenMinter()
    let proxy: TcpProxy | undefined
    const built = await buildTestApp(t, {
      adapters: 'real',
      env: { JWT_SECRET: minter.secret, BACKGROUND_WORKERS: 'false', REDIS_COMMAND_TIMEOUT_MS: '300' },
      prepare: async (scope) => {
        proxy = await startTcpProxy(Number(new URL(servers.redisUrl).port))
        const p = proxy
        scope.after(() => p.close())
        return { REDIS_URL: proxy.url('redis') }
      },
    })
    const { ids } = await seedProductFixture(built.deps.db)
    const buyer = await minter.customer()
    assert.equal((await built.app.inject({ method: 'POST', url: '/api/cart/items', headers: buyer.headers, payload: { productId: ids.hose, quantity: 1 } })).statusCode, 200)
    for (const fault of ['stall', 'cut'] as const) {
      proxy![fault]()
      const cart = await built.app.inject({ method: 'GET', url: '/api/cart', headers: buyer.headers })
      assert.equal(cart.statusCode, 503, `${fault}: ${cart.body}`)
      assert.equal(cart.json().error.code, 'CART_UNAVAILABLE')
      assert.equal(cart.headers['retry-after'], '2')
      const checkout = await built.app.inject({
        method: 'POST', url: '/api/orders', headers: { ...buyer.headers, 'idempotency-key': randomUUID() }, payload: { shippingAddress: ADDRESS, payment: { card: GOOD_CARD } },
      })
      assert.equal(checkout.statusCode, 503, `${fault}: ${checkout.body}`)
      assert.ok(checkout.headers['retry-after'])
      proxy!.resume()
    }
    await until('Redis back', async () => ((await built.app.inject({ method: 'GET', url: '/api/cart', headers: buyer.headers })).statusCode === 200 ? true : undefined), 15_000)
    const after = await built.app.inject({
      method: 'POST', url: '/api/orders', headers: { ...buyer.headers, 'idempotency-key': randomUUID() }, payload: { shippingAddress: ADDRESS, payment: { card: GOOD_CARD } },
    })
    assert.equal(after.statusCode, 201, after.body)
  })
})
