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
})
