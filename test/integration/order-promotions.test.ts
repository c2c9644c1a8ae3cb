import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { buildTestApp } from '../helpers/build-app.js'
import { addToCart, ADDRESS, admin, checkout, GOOD_CARD, shopper, ORDER_TEST_ENV } from '../helpers/order-fixture.js'
import { seedProductFixture } from '../helpers/product-fixture.js'

/** Automatic promotions over HTTP, in both modes: the best running one applies without a code, a code comes on top, the order keeps it. */

for (const adapters of ['embedded', 'real'] as const) {
  describe(`automatic promotions (${adapters})`, () => {
    test('the best running promotion applies to quote and checkout without a code; a code comes off what it left; ended or scheduled ones do not apply', async (t) => {
      const built = await buildTestApp(t, { adapters, env: ORDER_TEST_ENV })
      const { ids } = await seedProductFixture(built.deps.db)
      const boss = await admin(built)
      const post = (url: string, payload: object) => built.app.inject({ method: 'POST', url: `/api/orders${url}`, headers: boss.headers, payload })
      const tenPercent = await post('/promotions', { name: '10 % off above 50', percentOff: 10, currency: 'USD', minSubtotal: 5000 })
      assert.equal(tenPercent.statusCode, 201, tenPercent.body)
      const fifteenOff = (await post('/promotions', { name: '15 off above 100', amountOff: 1500, currency: 'USD', minSubtotal: 10000 })).json()
      await post('/promotions', { name: 'Next year', percentOff: 50, startsAt: new Date(Date.now() + 365 * 86_400_000).toISOString() })
      await post('/discount-codes', { code: 'EXTRA5', percentOff: 5 })
      const ada = await shopper(built)
      await addToCart(built, ada, ids.kettle, 1) // 8999
      await addToCart(built, ada, ids.lamp, 1) // 2999
      const quote = async (q = '') => (await built.app.inject({ method: 'GET', url: `/api/orders/quote?country=GB${q}`, headers: ada.headers })).json()

      const best = await quote()
      assert.deepEqual(best.promotion, { name: '15 off above 100', amount: { amount: 1500, currency: 'USD' } }, '1500 is worth more than 10 % (1200); next year’s is not running')
      assert.equal(best.total.amount, 11998 - 1500)
      const withCode = await quote('&discountCode=extra5')
      assert.equal(withCode.discount.amount.amount, 525, '5 % of the 10498 the promotion left')
      assert.equal(withCode.total.amount, 11998 - 1500 - 525)

      const res = await checkout(built, ada, { body: { shippingAddress: ADDRESS, discountCode: 'EXTRA5', payment: { card: GOOD_CARD } } })
      assert.equal(res.statusCode, 201, res.body)
      assert.deepEqual(res.json().promotion, best.promotion)
      assert.equal(res.json().total.amount, withCode.total.amount, 'the quote said what checkout charged')
      const placed = await built.deps.db.query<{ payload: any }>("select payload from orders.outbox where aggregate_id = $1 and type = 'order.placed'", [res.json().id])
      assert.deepEqual(placed.rows[0]!.payload.charges.promotion, best.promotion)

      assert.equal((await post(`/promotions/${fifteenOff.id}/deactivate`, {})).json().active, false)
      await addToCart(built, ada, ids.kettle, 1)
      await addToCart(built, ada, ids.lamp, 1)
      assert.equal((await quote()).promotion.name, '10 % off above 50', 'the ended one gives way to the next best')
      const kept = await built.app.inject({ method: 'GET', url: `/api/orders/${res.json().id}`, headers: ada.headers })
      assert.deepEqual(kept.json().promotion, best.promotion, 'a placed order keeps its promotion')
      const listed = (await built.app.inject({ method: 'GET', url: '/api/orders/promotions', headers: boss.headers })).json().items
      assert.deepEqual(listed.map((p: any) => [p.name, p.active]), [['Next year', true], ['15 off above 100', false], ['10 % off above 50', true]])
    })
  })
}
