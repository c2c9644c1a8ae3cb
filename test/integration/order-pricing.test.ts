import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { describe, test } from 'node:test'
import type { BuiltApp } from '../../src/app.js'
import { buildTestApp } from '../helpers/build-app.js'
import { addToCart, ADDRESS, admin, checkout, DECLINED_CARD, GOOD_CARD, shopper, stockOf, type Shopper, errorCode, ORDER_TEST_ENV } from '../helpers/order-fixture.js'
import { seedProductFixture } from '../helpers/product-fixture.js'

/** Discount codes, shipping and tax over HTTP, in both modes: what the quote says is what checkout charges and the order keeps. */

const env = ORDER_TEST_ENV

async function setup(t: { after: (fn: () => Promise<void>) => void }, adapters: 'embedded' | 'real', extraEnv: Record<string, string> = {}) {
  const built = await buildTestApp(t, { adapters, env: { ...env, ...extraEnv } })
  const { ids } = await seedProductFixture(built.deps.db)
  const boss = await admin(built)
  const as = (who: Shopper) => ({
    post: (url: string, payload: object) => built.app.inject({ method: 'POST', url: `/api/orders${url}`, headers: who.headers, payload }),
    put: (url: string, payload: object) => built.app.inject({ method: 'PUT', url: `/api/orders${url}`, headers: who.headers, payload }),
    get: (url: string) => built.app.inject({ method: 'GET', url: `/api/orders${url}`, headers: who.headers }),
    delete: (url: string) => built.app.inject({ method: 'DELETE', url: `/api/orders${url}`, headers: who.headers }),
  })
  return { built, ids, boss, as, api: as(boss) }
}

const count = async (built: BuiltApp, sql: string, params: unknown[] = []) => (await built.deps.db.query<{ n: number }>(`select count(*)::int as n ${sql}`, params)).rows[0]!.n

for (const adapters of ['embedded', 'real'] as const) {
  describe(`order pricing (${adapters})`, () => {
    test('the quote and the checkout price a cart alike: code, chosen shipping, VAT; the order and order.placed keep them; a replay answers the same bytes', async (t) => {
      const { built, ids, api } = await setup(t, adapters)
      assert.equal((await api.put('/tax-rates', { country: 'GB', name: 'VAT', rateBasisPoints: 2000 })).statusCode, 200)
      const post = (await api.post('/shipping-options', { name: 'Royal Mail', countries: ['GB', 'IE'], currency: 'USD', price: 499, freeAbove: 10000 })).json()
      const courier = (await api.post('/shipping-options', { name: 'Courier', countries: ['GB'], currency: 'USD', price: 1299 })).json()
      const created = await api.post('/discount-codes', { code: 'save10', percentOff: 10, maxUses: 5 })
      assert.equal(created.statusCode, 201, created.body)
      assert.equal(created.json().code, 'SAVE10')
      const ada = await shopper(built)
      await addToCart(built, ada, ids.kettle, 1) // 8999
      await addToCart(built, ada, ids.lamp, 1) // 2999

      const quote = (await built.app.inject({ method: 'GET', url: '/api/orders/quote?country=GB&discountCode=Save10', headers: ada.headers })).json()
      assert.equal(quote.subtotal.amount, 11998)
      assert.deepEqual(quote.discount, { code: 'SAVE10', amount: { amount: 1200, currency: 'USD' } })
      // 10798 after the discount reaches Royal Mail's 10000: free, and the cheapest.
      assert.deepEqual(quote.shippingOptions.map((o: any) => [o.id, o.price.amount]), [[post.id, 0], [courier.id, 1299]])
      assert.equal(quote.shipping.optionId, post.id)
      assert.equal(quote.tax.amount, 2160) // 20 % of 10798 = 2159.6
      assert.equal(quote.total.amount, 10798 + 2160)

      const chosen = (await built.app.inject({ method: 'GET', url: `/api/orders/quote?country=GB&discountCode=SAVE10&shippingOption=${courier.id}`, headers: ada.headers })).json()
      const key = randomUUID()
      const body = { shippingAddress: ADDRESS, discountCode: 'save10', shippingOption: courier.id, payment: { card: GOOD_CARD } }
      const res = await checkout(built, ada, { key, body })
      assert.equal(res.statusCode, 201, res.body)
      const order = res.json()
      t.diagnostic(`example order: ${res.body}`)
      assert.deepEqual(order.discount, { code: 'SAVE10', amount: { amount: 1200, currency: 'USD' } })
      assert.deepEqual(order.shipping, { optionId: courier.id, name: 'Courier', price: { amount: 1299, currency: 'USD' } })
      assert.deepEqual(order.taxLines, [{ name: 'VAT', country: 'GB', region: null, rateBasisPoints: 2000, amount: { amount: 2419, currency: 'USD' } }]) // 20 % of 12097 = 2419.4
      assert.equal(order.total.amount, 11998 - 1200 + 1299 + 2419)
      assert.equal(order.total.amount, chosen.total.amount, 'the quote said what checkout charged')
      assert.equal(order.pricesIncludeTax, false)
      const charged = await built.deps.db.query<{ amount: number }>("select amount from orders.payments where order_id = $1 and kind = 'charge'", [order.id])
      assert.equal(charged.rows[0]!.amount, order.total.amount)
      const placed = await built.deps.db.query<{ payload: any }>("select payload from orders.outbox where aggregate_id = $1 and type = 'order.placed'", [order.id])
      assert.deepEqual(placed.rows[0]!.payload.charges, {
        subtotal: { amount: 11998, currency: 'USD' }, promotion: null, discountCode: 'SAVE10', discount: { amount: 1200, currency: 'USD' },
        shipping: { amount: 1299, currency: 'USD' }, tax: { amount: 2419, currency: 'USD' }, pricesIncludeTax: false,
      })
      const again = await checkout(built, ada, { key, body })
      assert.equal(again.statusCode, 201)
      assert.equal(again.body, res.body)
      assert.equal(again.headers['idempotent-replayed'], 'true')
      const otherBody = await checkout(built, ada, { key, body: { ...body, discountCode: undefined } })
      assert.equal(errorCode(otherBody), 'IDEMPOTENCY_KEY_REUSED', 'the key covers the code and the shipping choice')
      assert.equal((await api.get('/discount-codes')).json().items[0].uses, 1)
      assert.deepEqual((await built.app.inject({ method: 'GET', url: `/api/orders/${order.id}`, headers: ada.headers })).json().taxLines, order.taxLines)
    })

    test("the shop's rules are read through the cache, and every admin change is priced by the very next quote and checkout", async (t) => {
      const { built, ids, api } = await setup(t, adapters)
      const ada = await shopper(built)
      await addToCart(built, ada, ids.kettle, 1) // 8999
      const quote = async (query = 'country=GB') => {
        const r = await built.app.inject({ method: 'GET', url: `/api/orders/quote?${query}`, headers: ada.headers })
        assert.equal(r.statusCode, 200, r.body)
        const q = r.json()
        return { shipping: q.shipping?.price.amount ?? null, tax: q.tax.amount, promotion: q.promotion?.amount.amount ?? null, total: q.total.amount }
      }
      // Read (and cached) before any rule exists.
      assert.deepEqual(await quote(), { shipping: null, tax: 0, promotion: null, total: 8999 })
      const option = (await api.post('/shipping-options', { name: 'Royal Mail', countries: ['GB'], currency: 'USD', price: 500 })).json()
      assert.deepEqual(await quote(), { shipping: 500, tax: 0, promotion: null, total: 9499 })
      await api.put('/tax-rates', { country: 'GB', name: 'VAT', rateBasisPoints: 2000 })
      await api.put('/tax-rates', { country: 'GB', region: 'Scotland', name: 'VAT (Scotland)', rateBasisPoints: 1000 })
      assert.deepEqual(await quote(), { shipping: 500, tax: 1900, promotion: null, total: 11399 })
      assert.deepEqual(await quote('country=GB&region=Scotland'), { shipping: 500, tax: 950, promotion: null, total: 10449 })
      const sale = (await api.post('/promotions', { name: 'Sale', amountOff: 999, currency: 'USD' })).json()
      // A promotion that has not started yet is not applied, though it is among the cached rules.
      await api.post('/promotions', { name: 'Next week', percentOff: 50, startsAt: new Date(Date.now() + 7 * 86_400_000).toISOString() })
      assert.deepEqual(await quote(), { shipping: 500, tax: 1700, promotion: 999, total: 10200 })
      assert.equal((await api.post(`/promotions/${sale.id}/deactivate`, {})).statusCode, 200)
      assert.equal((await api.post(`/shipping-options/${option.id}/deactivate`, {})).statusCode, 200)
      assert.equal((await api.delete('/tax-rates/GB?region=Scotland')).statusCode, 204)
      assert.deepEqual(await quote('country=GB&region=Scotland'), { shipping: null, tax: 1800, promotion: null, total: 10799 })
      const res = await checkout(built, ada, { body: { shippingAddress: { ...ADDRESS, country: 'GB', region: 'Scotland' }, payment: { card: GOOD_CARD } } })
      assert.equal(res.statusCode, 201, res.body)
      assert.equal(res.json().total.amount, 10799)
      assert.match(await built.deps.metrics.registry.getSingleMetricAsString('cache_requests_total'), /cache="orders:pricing-rules",result="hit"[^\n]* [1-9]/)
    })

    test('bad admin input is a 4xx with its code and writes nothing; customers cannot reach the admin routes', async (t) => {
      const { built, api, as } = await setup(t, adapters)
      const refusals: [string, object, number, string][] = [
        ['/shipping-options', { name: 'Neg', countries: ['GB'], currency: 'USD', price: -1 }, 400, 'VALIDATION'],
        ['/shipping-options', { name: 'Frac', countries: ['GB'], currency: 'USD', price: 4.99 }, 400, 'VALIDATION'],
        ['/shipping-options', { name: 'Nowhere', countries: [], currency: 'USD', price: 1 }, 400, 'VALIDATION'],
        ['/discount-codes', { code: 'HALF', percentOff: 10.5 }, 400, 'VALIDATION'],
        ['/discount-codes', { code: 'NEG', amountOff: -100, currency: 'USD' }, 400, 'VALIDATION'],
        ['/discount-codes', { code: 'BOTH', percentOff: 10, amountOff: 100, currency: 'USD' }, 400, 'INVALID_DISCOUNT_RULES'],
        ['/discount-codes', { code: 'NOCUR', amountOff: 100 }, 400, 'INVALID_DISCOUNT_RULES'],
        ['/discount-codes', { code: 'BACKWARDS', percentOff: 5, startsAt: '2030-01-02T00:00:00Z', endsAt: '2030-01-01T00:00:00Z' }, 400, 'INVALID_DISCOUNT_RULES'],
        ['/shipping-options', { name: 'Both', countries: ['GB'], currency: 'USD', price: 1, weightRates: [{ upToGrams: 100, price: 1 }] }, 400, 'INVALID_SHIPPING_RULES'],
        ['/shipping-options', { name: 'Neither', countries: ['GB'], currency: 'USD' }, 400, 'INVALID_SHIPPING_RULES'],
        ['/shipping-options', { name: 'Unsorted', countries: ['GB'], currency: 'USD', weightRates: [{ upToGrams: 500, price: 1 }, { upToGrams: 500, price: 2 }] }, 400, 'INVALID_SHIPPING_RULES'],
        ['/shipping-options', { name: 'NoWeight', countries: ['GB'], currency: 'USD', weightRates: [{ upToGrams: 0, price: 1 }] }, 400, 'VALIDATION'],
        ['/promotions', { name: 'Both', percentOff: 10, amountOff: 100, currency: 'USD' }, 400, 'INVALID_DISCOUNT_RULES'],
        ['/promotions', { name: 'Frac', percentOff: 2.5 }, 400, 'VALIDATION'],
        ['/promotions', { name: 'Neg', amountOff: -5, currency: 'USD' }, 400, 'VALIDATION'],
        ['/promotions', { name: '', percentOff: 5 }, 400, 'VALIDATION'],
        ['/promotions', { name: 'Backwards', percentOff: 5, startsAt: '2030-01-02T00:00:00Z', endsAt: '2030-01-01T00:00:00Z' }, 400, 'INVALID_DISCOUNT_RULES'],
      ]
      for (const [url, payload, status, code] of refusals) {
        const res = await api.post(url, payload)
        assert.equal(res.statusCode, status, `${url} ${JSON.stringify(payload)}: ${res.body}`)
        assert.equal(errorCode(res), code)
      }
      assert.equal(errorCode(await api.put('/tax-rates', { country: 'GB', name: 'VAT', rateBasisPoints: 10001 })), 'VALIDATION')
      assert.equal((await api.post('/discount-codes', { code: 'ONCE', percentOff: 5 })).statusCode, 201)
      assert.equal(errorCode(await api.post('/discount-codes', { code: 'once', percentOff: 7 })), 'DISCOUNT_CODE_EXISTS')
      assert.equal(errorCode(await api.post('/discount-codes/NOPE/deactivate', {})), 'DISCOUNT_CODE_NOT_FOUND')
      assert.equal(errorCode(await api.post('/shipping-options/999/deactivate', {})), 'SHIPPING_OPTION_NOT_FOUND')
      assert.equal(errorCode(await api.delete('/tax-rates/FR')), 'TAX_RATE_NOT_FOUND')
      assert.equal(await count(built, 'from orders.shipping_options'), 0)
      assert.equal(await count(built, 'from orders.discount_codes'), 1)
      assert.equal(await count(built, 'from orders.tax_rates'), 0)
      assert.equal(await count(built, 'from orders.promotions'), 0)
      assert.equal(errorCode(await api.post('/promotions/999/deactivate', {})), 'PROMOTION_NOT_FOUND')
      const customer = as(await shopper(built))
      assert.equal((await customer.post('/discount-codes', { code: 'MINE', percentOff: 100 })).statusCode, 403)
      assert.equal((await customer.get('/discount-codes')).statusCode, 403)
      assert.equal((await customer.post('/promotions', { name: 'Mine', percentOff: 100 })).statusCode, 403)
      assert.equal((await customer.put('/tax-rates', { country: 'GB', name: 'VAT', rateBasisPoints: 0 })).statusCode, 403)
      assert.equal((await built.app.inject({ method: 'GET', url: '/api/orders/shipping-options' })).statusCode, 401)
    })

    test('a code past its end, unknown or deactivated, and a country with no shipping: 4xx with its code, nothing reserved or written, the key usable again', async (t) => {
      const { built, ids, api } = await setup(t, adapters)
      await api.post('/shipping-options', { name: 'UK post', countries: ['GB'], currency: 'USD', price: 499 })
      await api.post('/discount-codes', { code: 'OLD', percentOff: 50, startsAt: '2020-01-01T00:00:00Z', endsAt: '2021-01-01T00:00:00Z' })
      await api.post('/discount-codes', { code: 'LATER', percentOff: 50, startsAt: '2999-01-01T00:00:00Z' })
      await api.post('/discount-codes', { code: 'GONE', percentOff: 50 })
      assert.equal((await api.post('/discount-codes/gone/deactivate', {})).json().active, false)
      const bo = await shopper(built)
      await addToCart(built, bo, ids.lamp, 2)
      const key = randomUUID()
      const cases: [object, number, string][] = [
        [{ shippingAddress: ADDRESS, discountCode: 'OLD' }, 422, 'DISCOUNT_CODE_EXPIRED'],
        [{ shippingAddress: ADDRESS, discountCode: 'LATER' }, 422, 'DISCOUNT_CODE_NOT_STARTED'],
        [{ shippingAddress: ADDRESS, discountCode: 'GONE' }, 422, 'DISCOUNT_CODE_INVALID'],
        [{ shippingAddress: ADDRESS, discountCode: 'NO-SUCH-CODE' }, 422, 'DISCOUNT_CODE_INVALID'],
        [{ shippingAddress: { ...ADDRESS, country: 'NZ' } }, 422, 'SHIPPING_UNAVAILABLE'],
        [{ shippingAddress: ADDRESS, shippingOption: 4242 }, 422, 'SHIPPING_OPTION_UNAVAILABLE'],
        [{ shippingAddress: ADDRESS, discountCode: 'x' }, 400, 'VALIDATION'],
        [{ shippingAddress: ADDRESS, shippingOption: 1.5 }, 400, 'VALIDATION'],
      ]
      for (const [body, status, code] of cases) {
        // The same key every time: a refusal frees it.
        const res = await checkout(built, bo, { key, body: { ...body, payment: { card: GOOD_CARD } } })
        assert.equal(res.statusCode, status, `${JSON.stringify(body)}: ${res.body}`)
        assert.equal(errorCode(res), code)
        const quote = new URLSearchParams({ country: (body as any).shippingAddress.country, ...('discountCode' in body ? { discountCode: String(body.discountCode) } : {}) })
        if (status === 422 && !('shippingOption' in body)) {
          assert.equal(errorCode(await built.app.inject({ method: 'GET', url: `/api/orders/quote?${quote}`, headers: bo.headers })), code, 'the quote refuses alike')
        }
      }
      assert.equal(await stockOf(built, ids.lamp), 10)
      assert.equal(await count(built, 'from orders.orders'), 0)
      assert.equal(await count(built, 'from catalog.reservations'), 0, 'no stock was ever held')
      const ok = await checkout(built, bo, { key })
      assert.equal(ok.statusCode, 201, ok.body)
      assert.equal(ok.json().shipping.price.amount, 499, 'no choice: the cheapest option for the country')
    })

    test('use limits: a declined payment and a cancelled order give their use back; the per-customer limit holds with the stock back', async (t) => {
      const { built, ids, api } = await setup(t, adapters)
      await api.post('/discount-codes', { code: 'TWICE', amountOff: 500, currency: 'USD', maxUses: 2, maxUsesPerCustomer: 1 })
      const [a, b, c] = [await shopper(built, 'a'), await shopper(built, 'b'), await shopper(built, 'c')]
      for (const who of [a, b, c]) await addToCart(built, who, ids.hose, 1) // 1999
      const withCode = (card: object) => ({ shippingAddress: ADDRESS, discountCode: 'TWICE', payment: { card } })
      assert.equal((await checkout(built, a, { body: withCode(DECLINED_CARD) })).statusCode, 402)
      const first = await checkout(built, a, { body: withCode(GOOD_CARD) })
      assert.equal(first.statusCode, 201, `the declined order gave its use back: ${first.body}`)
      assert.equal(first.json().total.amount, 1499)
      await addToCart(built, a, ids.hose, 1)
      const second = await checkout(built, a, { body: withCode(GOOD_CARD) })
      assert.equal(second.statusCode, 409)
      assert.equal(errorCode(second), 'DISCOUNT_CODE_CUSTOMER_LIMIT')
      assert.equal(await stockOf(built, ids.hose), 9, 'the refused checkout holds no stock')
      assert.equal((await checkout(built, b, { body: withCode(GOOD_CARD) })).statusCode, 201)
      const third = await checkout(built, c, { body: withCode(GOOD_CARD) })
      assert.equal(errorCode(third), 'DISCOUNT_CODE_USED_UP')
      const cancel = await built.app.inject({ method: 'POST', url: `/api/orders/${first.json().id}/cancel`, headers: a.headers, payload: {} })
      assert.equal(cancel.statusCode, 200, cancel.body)
      assert.equal((await checkout(built, c, { body: withCode(GOOD_CARD) })).statusCode, 201, 'the cancelled order gave its use back')
      assert.equal((await api.get('/discount-codes')).json().items[0].uses, 2)
    })

    test('a 100 % code makes a free order that needs no card; gross prices keep the total and show the tax inside it, by region', async (t) => {
      const { built, ids, api } = await setup(t, adapters, { ORDER_PRICES_INCLUDE_TAX: 'true' })
      await api.post('/discount-codes', { code: 'FREEBIE', percentOff: 100 })
      await api.put('/tax-rates', { country: 'US', name: 'No state tax', rateBasisPoints: 0 })
      await api.put('/tax-rates', { country: 'US', region: 'CA', name: 'CA sales tax', rateBasisPoints: 725 })
      const dee = await shopper(built)
      await addToCart(built, dee, ids.lamp, 1) // 2999
      const free = await checkout(built, dee, { card: null, body: { shippingAddress: ADDRESS, discountCode: 'FREEBIE' } })
      assert.equal(free.statusCode, 201, free.body)
      assert.equal(free.json().status, 'paid')
      assert.equal(free.json().total.amount, 0)
      await addToCart(built, dee, ids.lamp, 1)
      const nv = (await built.app.inject({ method: 'GET', url: '/api/orders/quote?country=US&region=NV', headers: dee.headers })).json()
      assert.deepEqual(nv.taxLines.map((l: any) => [l.name, l.region, l.amount.amount]), [['No state tax', null, 0]], "a region without its own rate has the country's")
      const ca = await checkout(built, dee, { body: { shippingAddress: { ...ADDRESS, country: 'US', region: 'CA' }, payment: { card: GOOD_CARD } } })
      assert.equal(ca.statusCode, 201, ca.body)
      assert.equal(ca.json().total.amount, 2999)
      assert.equal(ca.json().pricesIncludeTax, true)
      assert.deepEqual(ca.json().taxLines.map((l: any) => [l.name, l.region, l.amount.amount]), [['CA sales tax', 'CA', 203]]) // 2999 × 725 / 10725 = 202.7
    })
  })
}
