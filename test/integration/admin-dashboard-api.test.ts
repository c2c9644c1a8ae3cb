import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { describe, test } from 'node:test'
import amqp from 'amqplib'
import type { BuiltApp } from '../../src/app.js'
import { declareConsumerQueue } from '../../src/platform/bus/topology.js'
import { buildTestApp, sameShopAs } from '../helpers/build-app.js'
import { cleanupScope } from '../helpers/events.js'
import type { Adapters } from '../helpers/databases.js'
import { addToCart, admin, checkout, ORDER_TEST_ENV, shopper } from '../helpers/order-fixture.js'
import { seedProductFixture } from '../helpers/product-fixture.js'
import { publishRaw, sharedBroker, uniqueBusNames } from '../helpers/rabbitmq.js'

/** The admin dashboard's API: low stock and catalog cache figures (product service), the order events' backlog (order service). */

interface LowStock {
  threshold: number
  items: { id: number; slug: string; name: string; stock: number }[]
}
interface CacheStats {
  scope: string
  instance: string
  since: string
  hitRate: number | null
  caches: { cache: string; hits: number; misses: number; bypassed: number; errors: number }[]
}
interface Backlog {
  bus: string
  outbox: { unpublished: number; failing: number; oldestAgeSeconds: number | null }
  queues: { queue: string; ready: number; consumers: number; deadLetters: number }[] | null
}

const get = <T>(built: BuiltApp, url: string, headers: Record<string, string> = {}) =>
  built.app.inject({ method: 'GET', url, headers }).then((res) => ({ status: res.statusCode, body: res.json<T>(), headers: res.headers }))

for (const adapters of ['embedded', 'real'] as const satisfies Adapters[]) {
  describe(`admin dashboard API (${adapters})`, () => {
    test('GET /api/products/stats/low-stock: live products at or below the threshold (default 5), fewest first; admins only', async (t) => {
      const built = await buildTestApp(t, { adapters, env: { ...ORDER_TEST_ENV, BACKGROUND_WORKERS: 'false' } })
      const { ids } = await seedProductFixture(built.deps.db)
      const boss = await admin(built)
      const ada = await shopper(built)
      // The fixture's stocks: 10 each, the shovel 0. Some made low, one exactly at the threshold, one deleted.
      for (const [id, stock] of [[ids.wok, 3], [ids.lamp, 5], [ids.kettle, 6], [ids.hose, 1]] as const) {
        assert.equal((await built.app.inject({ method: 'PUT', url: `/api/products/${id}/stock`, headers: boss.headers, payload: { stock } })).statusCode, 200)
      }
      assert.equal((await built.app.inject({ method: 'DELETE', url: `/api/products/${ids.hose}`, headers: boss.headers })).statusCode, 204)

      const low = await get<LowStock>(built, '/api/products/stats/low-stock', boss.headers)
      assert.equal(low.status, 200)
      assert.equal(low.headers['cache-control'], 'no-store')
      assert.equal(low.body.threshold, 5)
      assert.deepEqual(low.body.items.map((p) => [p.slug, p.stock]), [['steel-shovel', 0], ['carbon-steel-wok', 3], ['reading-lamp', 5]])
      assert.deepEqual((await get<LowStock>(built, '/api/products/stats/low-stock?threshold=3&limit=1', boss.headers)).body.items.map((p) => p.id), [ids.shovel])
      assert.equal((await get(built, '/api/products/stats/low-stock?threshold=-1', boss.headers)).status, 400)
      assert.equal((await get(built, '/api/products/stats/low-stock?sort=name', boss.headers)).status, 400)
      assert.equal((await get(built, '/api/products/stats/low-stock', ada.headers)).status, 403)
      assert.equal((await get(built, '/api/products/stats/low-stock')).status, 401)
    })

    test('GET /api/products/stats/cache: the catalog cache hits and misses of the shop; admins only', async (t) => {
      const built = await buildTestApp(t, { adapters, env: { ...ORDER_TEST_ENV, BACKGROUND_WORKERS: 'false' } })
      const { ids } = await seedProductFixture(built.deps.db)
      const boss = await admin(built)
      const before = (await get<CacheStats>(built, '/api/products/stats/cache', boss.headers)).body
      const lookups = (s: CacheStats) => s.caches.find((c) => c.cache === 'catalog:products')!
      for (let i = 0; i < 3; i++) assert.equal((await built.app.inject({ method: 'GET', url: `/api/products/${ids.lamp}` })).statusCode, 200)
      const after = await get<CacheStats>(built, '/api/products/stats/cache', boss.headers)
      assert.equal(after.status, 200)
      assert.equal(after.body.scope, 'shop')
      assert.match(after.body.instance, new RegExp(`:${process.pid}$`))
      assert.equal(lookups(after.body).misses - lookups(before).misses, 1, 'the first read loads')
      assert.equal(lookups(after.body).hits - lookups(before).hits, 2, 'the next two are hits')
      const all = after.body.caches.reduce((a, c) => ({ hits: a.hits + c.hits, misses: a.misses + c.misses }), { hits: 0, misses: 0 })
      assert.equal(after.body.hitRate, all.hits / (all.hits + all.misses))
      assert.deepEqual(after.body.caches.map((c) => c.cache).sort(), ['catalog:categories', 'catalog:deals', 'catalog:products', 'catalog:recommendations'])
      assert.equal((await get(built, '/api/products/stats/cache', (await shopper(built)).headers)).status, 403)
    })

    test('GET /api/orders/events/backlog: order events not yet published in the outbox and the consuming queues; admins only', async (t) => {
      const scope = cleanupScope(t)
      // No relay and no consumers (BACKGROUND_WORKERS=false): what checkout writes stays in the outbox.
      const bus: Record<string, string> = adapters === 'real' ? uniqueBusNames(scope).env : {}
      const built = await buildTestApp(t, { adapters, env: { ...ORDER_TEST_ENV, BACKGROUND_WORKERS: 'false', ...bus } })
      const { ids } = await seedProductFixture(built.deps.db)
      const boss = await admin(built)
      const ada = await shopper(built)
      const empty = await get<Backlog>(built, '/api/orders/events/backlog', boss.headers)
      assert.equal(empty.status, 200, JSON.stringify(empty.body))
      assert.equal(empty.body.bus, adapters === 'real' ? 'rabbitmq' : 'embedded')
      assert.deepEqual(empty.body.outbox, { unpublished: 0, failing: 0, oldestAgeSeconds: null })

      await addToCart(built, ada, ids.kettle, 1)
      assert.equal((await checkout(built, ada)).statusCode, 201)
      const { rows } = await built.deps.db.query<{ n: number }>('select count(*)::int as n from orders.outbox where published_at is null')
      assert.ok(rows[0]!.n > 0)
      const after = await get<Backlog>(built, '/api/orders/events/backlog', boss.headers)
      assert.equal(after.body.outbox.unpublished, rows[0]!.n)
      assert.ok(after.body.outbox.oldestAgeSeconds !== null && after.body.outbox.oldestAgeSeconds >= 0)
      assert.deepEqual(after.body.queues?.map((q) => q.queue), ['notification', 'product'])

      if (adapters === 'real') {
        // The queues as the consumers would declare them (they run nowhere here), then two messages
        // waiting in each: the broker's ready count.
        const exchange = bus.EVENTS_EXCHANGE!
        const conn = await amqp.connect(sharedBroker.url)
        try {
          const ch = await conn.createChannel()
          for (const queue of ['notification', 'product']) await declareConsumerQueue(ch, { exchange, queuePrefix: bus.EVENTS_QUEUE_PREFIX!, deliveryLimit: 5 }, queue, ['order.*'])
        } finally {
          await conn.close()
        }
        for (let i = 0; i < 2; i++) await publishRaw(exchange, 'order.placed', Buffer.from('{}'), randomUUID())
        const queued = await get<Backlog>(built, '/api/orders/events/backlog', boss.headers)
        assert.deepEqual(queued.body.queues?.map((q) => [q.queue, q.ready, q.consumers]), [['notification', 2, 0], ['product', 2, 0]])
      }
      assert.equal((await get(built, '/api/orders/events/backlog', ada.headers)).status, 403)
      assert.equal((await get(built, '/api/orders/events/backlog')).status, 401)
    })
  })
}

describe('admin dashboard API (real, two product instances sharing PostgreSQL and Redis)', () => {
  test("the cache figures are the shop's: each instance's lookups added up, whichever answers", async (t) => {
    const env = { ...ORDER_TEST_ENV, BACKGROUND_WORKERS: 'false' }
    const a = await buildTestApp(t, { adapters: 'real', env })
    const b = await buildTestApp(t, { adapters: 'real', env: { ...env, ...sameShopAs(a) } })
    const { ids } = await seedProductFixture(a.deps.db)
    // Each test app signs with its own keys: an admin token per instance.
    const bosses = new Map([a, b].map((app) => [app, admin(app)]))
    const products = async (app: BuiltApp) => (await get<CacheStats>(app, '/api/products/stats/cache', (await bosses.get(app)!).headers)).body
    const lookups = (s: CacheStats) => s.caches.find((c) => c.cache === 'catalog:products')!
    const before = lookups(await products(a))
    const read = (app: BuiltApp) => app.app.inject({ method: 'GET', url: `/api/products/${ids.lamp}` })
    for (const app of [a, b, b, b]) assert.equal((await read(app)).statusCode, 200)
    // b adds its lookups when it answers (or within 10 s of a lookup); a's answer then holds both.
    const fromB = await products(b)
    assert.equal(fromB.scope, 'shop')
    const fromA = await products(a)
    assert.equal(lookups(fromA).misses - before.misses, 1, 'one load: the first read, through a')
    assert.equal(lookups(fromA).hits - before.hits, 3, "b's three reads are hits of the entry a stored")
    // Now that both have added theirs, either answers the same.
    const again = await products(b)
    assert.deepEqual(again.caches, fromA.caches)
    assert.equal(again.since, fromA.since)
    assert.notEqual(fromA.instance, '')
  })
})
