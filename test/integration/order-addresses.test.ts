import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { describe, test } from 'node:test'
import { buildTestApp } from '../helpers/build-app.js'
import { addToCart, ADDRESS, admin, checkout, GOOD_CARD, shopper, stockOf, errorCode, ORDER_TEST_ENV } from '../helpers/order-fixture.js'
import { seedProductFixture } from '../helpers/product-fixture.js'

/** The address book over HTTP, in both modes: chosen at checkout by id, copied into the order, private to its owner. */

const env = ORDER_TEST_ENV
const OFFICE = { name: 'Ada Lovelace', line1: '1 Engine Yard', city: 'Dublin', postalCode: 'D02', country: 'IE', region: 'Leinster' }

for (const adapters of ['embedded', 'real'] as const) {
  describe(`address book (${adapters})`, () => {
    test('an address of the book is chosen at checkout by id and priced for its country; the order keeps its copy after the entry is deleted', async (t) => {
      const built = await buildTestApp(t, { adapters, env })
      const { ids } = await seedProductFixture(built.deps.db)
      const boss = await admin(built)
      await built.app.inject({ method: 'PUT', url: '/api/orders/tax-rates', headers: boss.headers, payload: { country: 'IE', name: 'VAT', rateBasisPoints: 2300 } })
      const ada = await shopper(built)
      const book = (method: 'GET' | 'POST' | 'DELETE', url = '', payload?: object) =>
        built.app.inject({ method, url: `/api/orders/addresses${url}`, headers: ada.headers, ...(payload ? { payload } : {}) })
      const home = await book('POST', '', { label: 'Home', address: ADDRESS })
      assert.equal(home.statusCode, 201, home.body)
      const office = (await book('POST', '', { label: 'Office', address: OFFICE })).json()
      assert.deepEqual((await book('GET')).json().items.map((a: any) => a.label), ['Home', 'Office'])

      await addToCart(built, ada, ids.lamp, 1) // 2999
      const res = await checkout(built, ada, { body: { shippingAddressId: office.id, payment: { card: GOOD_CARD } } })
      assert.equal(res.statusCode, 201, res.body)
      assert.deepEqual(res.json().shippingAddress, OFFICE)
      assert.deepEqual(res.json().billingAddress, OFFICE, 'without a billing address the shipping address is billed')
      assert.equal(res.json().tax.amount, 690, 'taxed for the book address country: 23 % of 2999 = 689.77')
      assert.equal((await book('DELETE', `/${office.id}`)).statusCode, 204)
      const kept = await built.app.inject({ method: 'GET', url: `/api/orders/${res.json().id}`, headers: ada.headers })
      assert.deepEqual(kept.json().shippingAddress, OFFICE)
      assert.deepEqual((await book('GET')).json().items.map((a: any) => a.label), ['Home'])
    })

    test('the billing address is chosen apart from the shipping address, inline or from the book; taxes follow the shipping address', async (t) => {
      const built = await buildTestApp(t, { adapters, env })
      const { ids } = await seedProductFixture(built.deps.db)
      const boss = await admin(built)
      await built.app.inject({ method: 'PUT', url: '/api/orders/tax-rates', headers: boss.headers, payload: { country: 'IE', name: 'VAT', rateBasisPoints: 2300 } })
      const ada = await shopper(built)
      const office = (await built.app.inject({ method: 'POST', url: '/api/orders/addresses', headers: ada.headers, payload: { label: 'Office', address: OFFICE } })).json()
      await addToCart(built, ada, ids.lamp, 1)
      const fromBook = await checkout(built, ada, { body: { shippingAddress: ADDRESS, billingAddressId: office.id, payment: { card: GOOD_CARD } } })
      assert.equal(fromBook.statusCode, 201, fromBook.body)
      assert.deepEqual(fromBook.json().shippingAddress, ADDRESS)
      assert.deepEqual(fromBook.json().billingAddress, OFFICE)
      assert.equal(fromBook.json().tax.amount, 0, 'shipped to a country without a rate: billed in Ireland changes nothing')
      await addToCart(built, ada, ids.lamp, 1)
      const inline = await checkout(built, ada, { body: { shippingAddressId: office.id, billingAddress: ADDRESS, payment: { card: GOOD_CARD } } })
      assert.equal(inline.statusCode, 201, inline.body)
      assert.deepEqual(inline.json().billingAddress, ADDRESS)
      assert.equal(inline.json().tax.amount, 690)
      const listed = (await built.app.inject({ method: 'GET', url: '/api/orders', headers: ada.headers })).json().items
      assert.deepEqual(listed.map((o: any) => o.billingAddress), [ADDRESS, OFFICE], 'the list shows each order its own copy, newest first')
    })

    test("neither or both addresses, another customer's entry or a deleted one: 4xx with its code, nothing reserved or written", async (t) => {
      const built = await buildTestApp(t, { adapters, env })
      const { ids } = await seedProductFixture(built.deps.db)
      const [ada, bob] = [await shopper(built, 'ada'), await shopper(built, 'bob')]
      const bobs = (await built.app.inject({ method: 'POST', url: '/api/orders/addresses', headers: bob.headers, payload: { address: ADDRESS } })).json()
      await addToCart(built, ada, ids.lamp, 1)
      const key = randomUUID()
      const cases: [object, number, string][] = [
        [{}, 400, 'SHIPPING_ADDRESS_CHOICE'],
        [{ shippingAddress: ADDRESS, shippingAddressId: bobs.id }, 400, 'SHIPPING_ADDRESS_CHOICE'],
        [{ shippingAddressId: bobs.id }, 404, 'ADDRESS_NOT_FOUND'],
        [{ shippingAddressId: randomUUID() }, 404, 'ADDRESS_NOT_FOUND'],
        [{ shippingAddressId: 'not-a-uuid' }, 400, 'VALIDATION'],
        [{ shippingAddress: ADDRESS, billingAddress: ADDRESS, billingAddressId: bobs.id }, 400, 'BILLING_ADDRESS_CHOICE'],
        [{ shippingAddress: ADDRESS, billingAddressId: bobs.id }, 404, 'ADDRESS_NOT_FOUND'],
        [{ shippingAddress: ADDRESS, billingAddress: { ...ADDRESS, country: 'Ireland' } }, 400, 'VALIDATION'],
      ]
      for (const [body, status, code] of cases) {
        const res = await checkout(built, ada, { key, body: { ...body, payment: { card: GOOD_CARD } } })
        assert.equal(res.statusCode, status, `${JSON.stringify(body)}: ${res.body}`)
        assert.equal(errorCode(res), code)
      }
      assert.equal(await stockOf(built, ids.lamp), 10)
      assert.equal(errorCode(await built.app.inject({ method: 'DELETE', url: `/api/orders/addresses/${bobs.id}`, headers: ada.headers })), 'ADDRESS_NOT_FOUND')
      assert.equal((await built.app.inject({ method: 'GET', url: '/api/orders/addresses', headers: ada.headers })).json().items.length, 0, "bob's entry is not ada's")
      assert.equal(errorCode(await built.app.inject({ method: 'POST', url: '/api/orders/addresses', headers: ada.headers, payload: { address: { ...ADDRESS, country: 'gb' } } })), 'VALIDATION')
      for (let i = 0; i < 50; i++) assert.equal((await built.app.inject({ method: 'POST', url: '/api/orders/addresses', headers: ada.headers, payload: { address: ADDRESS } })).statusCode, 201)
      assert.equal(errorCode(await built.app.inject({ method: 'POST', url: '/api/orders/addresses', headers: ada.headers, payload: { address: ADDRESS } })), 'ADDRESS_BOOK_FULL')
      const ok = await checkout(built, ada, { key })
      assert.equal(ok.statusCode, 201, 'the key was freed by every refusal')
    })
  })
}
