import assert from 'node:assert/strict'
import { test } from 'node:test'
import { buildTestApp } from '../helpers/build-app.js'
import { addToCart, admin, checkout, DECLINED_CARD, shopper } from '../helpers/order-fixture.js'
import { seedProductFixture } from '../helpers/product-fixture.js'

interface Stats {
  today: { orders: number; revenue: { currency: string; amount: number }[] }
  byStatus: Record<string, number>
  daily: { date: string; orders: number }[]
}

test("GET /api/orders/stats: today's orders and revenue (a cancelled order is refunded: no revenue), counts by status, a day-by-day series; admins only", async (t) => {
  const built = await buildTestApp(t, { env: { BACKGROUND_WORKERS: 'false', ORDER_RATE_LIMIT_MAX: '100000', CART_RATE_LIMIT_MAX: '100000', AUTH_RATE_LIMIT_MAX: '100000' } })
  const { ids } = await seedProductFixture(built.deps.db)
  const ada = await shopper(built)
  const boss = await admin(built)
  const order = async () => {
    await addToCart(built, ada, ids.kettle, 1)
    const res = await checkout(built, ada)
    assert.equal(res.statusCode, 201, res.body)
    return res.json<{ id: string; total: { amount: number; currency: string } }>()
  }
  const kept = await order()
  const cancelled = await order()
  assert.equal((await built.app.inject({ method: 'POST', url: `/api/orders/${cancelled.id}/cancel`, headers: ada.headers })).statusCode, 200)
  await addToCart(built, ada, ids.kettle, 1)
  assert.equal((await checkout(built, ada, { card: DECLINED_CARD })).statusCode, 402)

  const res = await built.app.inject({ method: 'GET', url: '/api/orders/stats?days=7', headers: boss.headers })
  assert.equal(res.statusCode, 200, res.body)
  const stats = res.json<Stats>()
  assert.equal(stats.today.orders, 2, 'both paid orders happened today; the declined one was never placed')
  assert.deepEqual(stats.today.revenue, [{ currency: kept.total.currency, amount: kept.total.amount }])
  assert.equal(stats.byStatus.paid, 1)
  assert.equal(stats.byStatus.cancelled, 1)
  assert.equal(stats.byStatus.payment_failed, 1)
  assert.equal(stats.byStatus.shipped, 0, 'every status is listed')
  assert.equal(stats.daily.length, 7)
  assert.equal(stats.daily.at(-1)!.date, new Date().toISOString().slice(0, 10))
  assert.deepEqual(stats.daily.map((d) => d.orders), [0, 0, 0, 0, 0, 0, 2])

  assert.equal((await built.app.inject({ method: 'GET', url: '/api/orders/stats', headers: ada.headers })).statusCode, 403)
  assert.equal((await built.app.inject({ method: 'GET', url: '/api/orders/stats' })).statusCode, 401)
  assert.equal((await built.app.inject({ method: 'GET', url: '/api/orders/stats', headers: boss.headers })).json<Stats>().daily.length, 14, '14 days unless asked')
})
