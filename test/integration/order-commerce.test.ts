import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { buildTestApp } from '../helpers/build-app.js'
import { ADDRESS, admin, checkout, GOOD_CARD, shopper, ORDER_TEST_ENV } from '../helpers/order-fixture.js'

/**
 * Everything issue 12 adds, in one order, in both modes: two variants of one
 * product (each its price, stock and weight), a weight-priced shipping option,
 * VAT, an automatic promotion and a discount code, a billing address apart.
 * The quote and the order agree, the parts add up to the total, and the stock
 * moves per variant. The order's JSON goes to the test's diagnostics.
 */

for (const adapters of ['embedded', 'real'] as const) {
  describe(`commerce in one order (${adapters})`, () => {
    test('two variants, weight-based shipping, VAT, a promotion and a code: quote = order, parts add up, stock per variant', async (t) => {
      const built = await buildTestApp(t, { adapters, env: ORDER_TEST_ENV })
      const boss = await admin(built)
      const call = async (method: 'POST' | 'PUT' | 'PATCH', url: string, payload: object) => {
        const res = await built.app.inject({ method, url, headers: boss.headers, payload })
        assert.ok(res.statusCode < 300, `${method} ${url}: ${res.statusCode} ${res.body}`)
        return res.json()
      }
      const tee = await call('POST', '/api/products', { slug: 'commerce-tee', name: 'Commerce Tee', price: { amount: 2000, currency: 'USD' }, stock: 5 })
      await call('PUT', `/api/products/${tee.id}/options`, { options: [{ name: 'Size', values: ['S', 'M'] }, { name: 'Colour', values: ['Red', 'Blue'] }] })
      const small = (await built.app.inject({ method: 'GET', url: `/api/products/${tee.id}` })).json().variants[0]
      assert.deepEqual(small.options, { Size: 'S', Colour: 'Red' }, 'the default variant took the first values')
      await call('PATCH', `/api/products/${tee.id}/variants/${small.id}`, { weightGrams: 300 })
      const medium = await call('POST', `/api/products/${tee.id}/variants`, { options: { Size: 'M', Colour: 'Blue' }, priceAmount: 2500, stock: 4, weightGrams: 800 })

      await call('PUT', '/api/orders/tax-rates', { country: 'GB', name: 'VAT', rateBasisPoints: 2000 })
      const parcel = await call('POST', '/api/orders/shipping-options', { name: 'Parcel', countries: ['GB'], currency: 'USD', weightRates: [{ upToGrams: 1000, price: 450 }, { upToGrams: 5000, price: 900 }] })
      await call('POST', '/api/orders/shipping-options', { name: 'Courier', countries: ['GB'], currency: 'USD', price: 1500 })
      await call('POST', '/api/orders/promotions', { name: 'Winter sale', percentOff: 10, currency: 'USD', minSubtotal: 5000 })
      await call('POST', '/api/orders/discount-codes', { code: 'SAVE5', percentOff: 5 })

      const ada = await shopper(built)
      for (const [variantId, quantity] of [[small.id, 1], [medium.id, 2]]) {
        const added = await built.app.inject({ method: 'POST', url: '/api/cart/items', headers: ada.headers, payload: { productId: tee.id, variantId, quantity } })
        assert.ok(added.statusCode < 300, added.body)
      }
      const quote = (await built.app.inject({ method: 'GET', url: '/api/orders/quote?country=GB&discountCode=save5', headers: ada.headers })).json()
      // 2000 + 2 x 2500 = 7000; 1900 g: the 5 kg bracket.
      assert.equal(quote.subtotal.amount, 7000)
      assert.deepEqual(quote.shippingOptions.map((o: any) => [o.name, o.price.amount]), [['Parcel', 900], ['Courier', 1500]])

      const billing = { name: 'Ada Lovelace', line1: '1 Engine Yard', city: 'Dublin', postalCode: 'D02', country: 'IE' }
      const res = await checkout(built, ada, { body: { shippingAddress: ADDRESS, billingAddress: billing, discountCode: 'SAVE5', payment: { card: GOOD_CARD } } })
      assert.equal(res.statusCode, 201, res.body)
      const order = res.json()
      t.diagnostic(`order: ${JSON.stringify(order, null, 2)}`)
      assert.deepEqual(
        order.lines.map((l: any) => [l.variantId, l.options, l.quantity, l.unitPrice.amount]),
        [[small.id, { Size: 'S', Colour: 'Red' }, 1, 2000], [medium.id, { Size: 'M', Colour: 'Blue' }, 2, 2500]].sort((a, b) => (a[0] as number) - (b[0] as number)),
      )
      assert.ok(order.lines.every((l: any) => typeof l.sku === 'string' && l.sku.length > 0), 'each line keeps its SKU')
      assert.deepEqual(order.promotion, { name: 'Winter sale', amount: { amount: 700, currency: 'USD' } })
      assert.deepEqual(order.discount, { code: 'SAVE5', amount: { amount: 315, currency: 'USD' } }, '5 % of the 6300 the promotion left')
      assert.deepEqual(order.shipping, { optionId: parcel.id, name: 'Parcel', price: { amount: 900, currency: 'USD' } })
      assert.equal(order.tax.amount, 1377, '20 % of 6300 - 315 + 900 = 6885')
      assert.equal(order.total.amount, 7000 - 700 - 315 + 900 + 1377)
      assert.equal(order.total.amount, quote.total.amount, 'the quote said what checkout charged')
      assert.deepEqual(order.billingAddress, billing)
      assert.deepEqual(order.shippingAddress, ADDRESS)

      const after = (await built.app.inject({ method: 'GET', url: `/api/products/${tee.id}` })).json()
      const stock = Object.fromEntries(after.variants.map((v: any) => [v.id, v.stock]))
      assert.deepEqual([stock[small.id], stock[medium.id], after.stock], [4, 2, 6], 'each variant lost what it sold; the product is their sum')
    })
  })
}
