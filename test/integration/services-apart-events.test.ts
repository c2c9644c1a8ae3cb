import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { after, before, describe, test } from 'node:test'
import { createPgDb } from '../../src/platform/db/pg-db.js'
import { MAILED_EVENTS } from '../../src/services/notification/subscriptions.js'
import { newKeySeed } from '../../src/services/auth/keys.js'
import * as store from '../../src/services/product/product-store.js'
import { clonePgDatabase } from '../helpers/databases.js'
import { until } from '../helpers/events.js'
import { ADDRESS, GOOD_CARD } from '../helpers/order-fixture.js'
import { queueDepth, uniqueBusNames } from '../helpers/rabbitmq.js'
import { servers } from '../helpers/servers.js'
import { apartEnv, call, startService, type ServiceProcess } from '../helpers/services-apart.js'
import { startSmtpServer, type TestSmtpServer } from '../helpers/smtp.js'
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js'

/**
 * Issue 16, found by running the five services apart: the broker is not needed
 * to start, and no event is lost on a first deploy. Every service in its own
 * process (production profile), RabbitMQ behind a loopback proxy that refuses
 * connections until the test lets them through. The publishers (auth, order)
 * start and serve first, with the broker down and the notification service
 * never started; then the broker comes; then the notification service starts,
 * itself while the broker is away: it reports not-ready, then ready, and every
 * e-mail arrives.
 */
describe('services apart: start without the broker, first deploy (publishers before their consumers)', () => {
  const fns: (() => Promise<void>)[] = []
  const scope = { after: (fn: () => Promise<void>) => void fns.push(fn) }
  let db: ReturnType<typeof createPgDb>
  let smtp: TestSmtpServer
  let broker: TcpProxy
  let bus: ReturnType<typeof uniqueBusNames>
  let env: Record<string, string>
  const svc: Record<string, ServiceProcess> = {}

  before(async () => {
    smtp = await startSmtpServer(scope)
    const databaseUrl = await clonePgDatabase(scope)
    bus = uniqueBusNames(scope)
    broker = await startTcpProxy(Number(new URL(bus.env.AMQP_URL).port))
    scope.after(() => broker.close())
    broker.cut()
    env = await apartEnv(scope, {
      DATABASE_URL: databaseUrl,
      REDIS_URL: servers.redisUrl,
      ...bus.env,
      AMQP_URL: `amqp://guest:guest@127.0.0.1:${broker.port}`,
      JWT_SECRET: newKeySeed(),
      SMTP_URL: smtp.url,
      OUTBOX_POLL_MS: '50',
    })
    db = createPgDb({ url: databaseUrl, max: 2, min: 0, applicationName: 'test' })
    scope.after(() => db.close())
    // Broker down: every one of them starts and says ready. The cart has no AMQP_URL at all: it needs none.
    svc.auth = await startService(scope, 'auth', env)
    const keys = { AUTH_JWKS_URL: `${svc.auth.url}/api/auth/.well-known/jwks.json` }
    svc.product = await startService(scope, 'product', { ...env, ...keys })
    const { AMQP_URL: _none, ...cartEnv } = env
    svc.cart = await startService(scope, 'cart', { ...cartEnv, ...keys, PRODUCT_SERVICE_URL: svc.product.url })
    svc.order = await startService(scope, 'order', { ...env, ...keys, PRODUCT_SERVICE_URL: svc.product.url, CART_SERVICE_URL: svc.cart.url })
  })

  after(async () => {
    for (const fn of fns.reverse()) await fn()
  })

  test('with the broker down, every process starts and serves: register, add to cart, pay; events wait in the outboxes', async () => {
    for (const s of [svc.auth!, svc.order!, svc.product!]) {
      const health = await call(s.url, 'GET', s.name === 'product' ? '/api/products/health' : `/api/${s.name === 'order' ? 'orders' : 'auth'}/health`)
      assert.equal(health.status, 200, `${s.name}: ${health.text}`)
      assert.equal(health.json.status, 'degraded', `${s.name} serves without the broker, and says what is missing`)
      assert.match(health.json.checks.broker, /^down/)
    }
    assert.equal((await call(svc.cart!.url, 'GET', '/api/cart/health')).json.status, 'ok')

    const productId = await store.insertProduct(db, { slug: `apart-${randomUUID().slice(0, 8)}`, name: 'Apart Lamp', description: '', priceAmount: 1500, currency: 'USD', categoryId: null, attributes: {}, stock: 10, images: [] })
    for (let i = 0; i < 3; i++) {
      const email = `first-deploy-${i}-${randomUUID().slice(0, 8)}@example.com`
      const registered = await call(svc.auth!.url, 'POST', '/api/auth/register', { body: { email, password: 'correct horse battery staple' } })
      assert.equal(registered.status, 201, registered.text)
      const auth = { authorization: `Bearer ${registered.json.accessToken}` }
      assert.equal((await call(svc.cart!.url, 'POST', '/api/cart/items', { headers: auth, body: { productId, quantity: 1 } })).status, 200)
      const order = await call(svc.order!.url, 'POST', '/api/orders', { headers: { ...auth, 'idempotency-key': randomUUID() }, body: { shippingAddress: ADDRESS, payment: { card: GOOD_CARD } } })
      assert.equal(order.status, 201, order.text)
      assert.equal(order.json.status, 'paid')
    }
    const waiting = await unpublished()
    assert.ok(waiting >= 9, `${waiting} events wait in the outboxes (3 registrations, 3 x placed and paid)`)
  })

  test('the broker comes: the relays publish, into the queues the publishers declared for consumers that never ran', async () => {
    broker.resume()
    await until('every event published', async () => ((await unpublished()) === 0 ? true : undefined), 60_000, 200)
    // The notification service never started: its queue exists because the publishers declared it.
    // Every event is an order.* or user.* one: all of them wait there.
    assert.equal(await queueDepth(bus.queue('notification')), (await outboxRows()).length, 'every event waits in the notification queue')
    // The product service, up since before the broker, attached its consumer when it came: stock reservations confirmed.
    await until('the reservations confirmed by order.paid', async () => {
      const { rows } = await db.query<{ n: number }>("select count(*)::int as n from catalog.reservations where status = 'confirmed'")
      return rows[0]!.n === 3 ? true : undefined
    }, 30_000, 200)
    for (const s of [svc.auth!, svc.order!]) {
      const path = `/api/${s.name === 'order' ? 'orders' : 'auth'}/health`
      await until(`${s.name} healthy again`, async () => ((await call(s.url, 'GET', path)).json.status === 'ok' ? true : undefined), 30_000, 200)
    }
  })

  test('the notification service, started while its broker is away, is not ready until it comes; then every e-mail arrives, once', async () => {
    const own = await startTcpProxy(Number(new URL(bus.env.AMQP_URL).port))
    scope.after(() => own.close())
    own.cut()
    svc.notification = await startService(scope, 'notification', { ...env, AMQP_URL: `amqp://guest:guest@127.0.0.1:${own.port}` })
    const down = await call(svc.notification.url, 'GET', '/api/notifications/health')
    assert.equal(down.status, 503, 'it exists to consume events: not ready without the broker')
    assert.equal(down.json.status, 'unavailable')
    assert.equal((await call(svc.notification.url, 'GET', '/health/live')).status, 200, 'alive all the same')
    assert.equal(smtp.received.length, 0)

    own.resume()
    await until('the notification service ready', async () => ((await call(svc.notification!.url, 'GET', '/api/notifications/health')).status === 200 ? true : undefined), 30_000, 200)
    const expected = (await outboxRows()).filter((r) => (MAILED_EVENTS as readonly string[]).includes(r.type)).map((r) => r.id)
    assert.equal(expected.length, 9, 'welcome, order confirmation and payment e-mails of 3 customers')
    const counts = await until('every e-mail', () => {
      const c = smtp.countByEvent()
      return expected.every((id) => c.has(id)) ? c : undefined
    }, 60_000, 200)
    assert.deepEqual(expected.map((id) => counts.get(id)), expected.map(() => 1))
  })

  async function outboxRows(): Promise<{ id: string; type: string }[]> {
    const { rows } = await db.query<{ id: string; type: string }>('select id, type from orders.outbox union all select id, type from auth.outbox')
    return rows
  }

  async function unpublished(): Promise<number> {
    const { rows } = await db.query<{ n: number }>(
      'select ((select count(*) from orders.outbox where published_at is null) + (select count(*) from auth.outbox where published_at is null))::int as n',
    )
    return rows[0]!.n
  }
})
