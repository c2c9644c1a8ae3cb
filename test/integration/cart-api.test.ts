import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import * as catalog from '../../src/services/product/catalog-admin.js'
import * as productStore from '../../src/services/product/product-store.js'
import { registerUser } from '../helpers/auth-fixture.js'
import { cartOk, cartRequest, expectError, guestAdd, quantities, shop, type CartBody } from '../helpers/cart-fixture.js'
import { defaultVariantId, productDeps } from '../helpers/product-fixture.js'

/** The cart over HTTP: guest and user carts, catalog prices, stock, limits and bad input. Merge and checkout: cart-merge.test.ts. */
for (const adapters of ['embedded', 'real'] as const) {
  describe(`cart API (${adapters})`, () => {
    test('health answers without counting against the rate limit', async (t) => {
      const { built } = await shop(t, adapters, { CART_RATE_LIMIT_MAX: '1' })
      for (let i = 0; i < 3; i++) {
        const res = await built.app.inject({ method: 'GET', url: '/api/cart/health' })
        assert.equal(res.statusCode, 200, res.body)
        assert.equal(res.json().status, 'ok')
      }
    })

    test('a guest gets a cart token on the first add and keeps working on that cart with it', async (t) => {
      const { built, ids } = await shop(t, adapters)
      const empty = await cartRequest(built)
      assert.equal(empty.statusCode, 200)
      assert.equal(empty.headers['x-cart-token'], undefined, 'no token before anything is stored')
      assert.deepEqual(empty.json(), { items: [], subtotal: { amount: 0, currency: 'USD' }, itemCount: 0, warnings: [] })

      const token = await guestAdd(built, ids.skillet, 2)
      const cart = await cartOk(built, { cartToken: token })
      assert.equal(cart.token, token)
      assert.deepEqual(cart.items, [
        {
          productId: ids.skillet,
          variantId: await defaultVariantId(built.deps.db, ids.skillet),
          sku: 'cast-iron-skillet',
          options: {},
          slug: 'cast-iron-skillet',
          name: 'Cast Iron Skillet',
          quantity: 2,
          unitPrice: { amount: 3999, currency: 'USD' },
          lineTotal: { amount: 7998, currency: 'USD' },
          image: null,
          available: true,
          inStock: true,
          stock: 10,
          exceedsStock: false,
          priceChanged: false,
        },
      ])
      assert.equal(await guestAdd(built, ids.wok, 1, token), token, 'the same cart keeps its token')
      assert.equal(await guestAdd(built, ids.skillet, 1, token), token)
      let now = await cartOk(built, { cartToken: token })
      assert.deepEqual(quantities(now), { [ids.skillet]: 3, [ids.wok]: 1 })
      assert.deepEqual(now.subtotal, { amount: 3 * 3999 + 5999, currency: 'USD' })
      assert.equal(now.itemCount, 4)

      now = await cartOk(built, { method: 'PATCH', url: `/api/cart/items/${ids.wok}`, payload: { quantity: 4 }, cartToken: token })
      assert.deepEqual(quantities(now), { [ids.skillet]: 3, [ids.wok]: 4 })
      now = await cartOk(built, { method: 'DELETE', url: `/api/cart/items/${ids.skillet}`, cartToken: token })
      assert.deepEqual(quantities(now), { [ids.wok]: 4 })
      now = await cartOk(built, { method: 'DELETE', cartToken: token })
      assert.deepEqual(now.items, [])
      assert.equal(now.token, token, 'an emptied cart keeps its token')

      const other = await guestAdd(built, ids.lamp, 1)
      assert.notEqual(other, token, 'every new guest gets a cart of its own')
      assert.deepEqual(quantities(await cartOk(built, { cartToken: token })), {})
    })

    test('an unknown cart token starts a new cart with a new token; a malformed one is 400 INVALID_CART_TOKEN', async (t) => {
      const { built, ids } = await shop(t, adapters)
      const invented = 'A'.repeat(43)
      const read = await cartRequest(built, { cartToken: invented })
      assert.equal(read.statusCode, 200)
      assert.equal(read.headers['x-cart-token'], undefined, 'an unknown token is no cart')
      const token = await guestAdd(built, ids.lamp, 1, invented)
      assert.notEqual(token, invented, 'never a cart under a name the client chose')
      assert.deepEqual(quantities(await cartOk(built, { cartToken: invented })), {})
      for (const bad of ['short', `${token}x`, 'A'.repeat(42) + '!', '']) {
        expectError(await cartRequest(built, { cartToken: bad }), 400, 'INVALID_CART_TOKEN', `token ${JSON.stringify(bad)}`)
        expectError(
          await cartRequest(built, { method: 'POST', url: '/api/cart/items', payload: { productId: ids.lamp, quantity: 1 }, cartToken: bad }),
          400,
          'INVALID_CART_TOKEN',
        )
      }
      assert.deepEqual(quantities(await cartOk(built, { cartToken: token })), { [ids.lamp]: 1 })
    })

    test("a signed-in user works on their own cart and never sees another user's", async (t) => {
      const { built, ids } = await shop(t, adapters)
      const alice = await registerUser(built)
      const bob = await registerUser(built)
      const res = await cartRequest(built, { method: 'POST', url: '/api/cart/items', payload: { productId: ids.kettle, quantity: 2 }, accessToken: alice.accessToken })
      assert.equal(res.statusCode, 200, res.body)
      assert.equal(res.headers['x-cart-token'], undefined, 'a user cart has no guest token')
      assert.equal(res.json<CartBody>().token, undefined)
      assert.deepEqual(quantities(await cartOk(built, { accessToken: alice.accessToken })), { [ids.kettle]: 2 })
      assert.deepEqual(quantities(await cartOk(built, { accessToken: bob.accessToken })), {})
      assert.deepEqual(quantities(await cartOk(built)), {}, 'nor does a guest')
      expectError(
        await cartRequest(built, { method: 'PATCH', url: `/api/cart/items/${ids.kettle}`, payload: { quantity: 1 }, accessToken: bob.accessToken }),
        404,
        'CART_ITEM_NOT_FOUND',
      )
      expectError(await cartRequest(built, { method: 'DELETE', url: `/api/cart/items/${ids.kettle}`, accessToken: bob.accessToken }), 404, 'CART_ITEM_NOT_FOUND')
      await cartOk(built, { method: 'DELETE', accessToken: bob.accessToken })
      assert.deepEqual(quantities(await cartOk(built, { accessToken: alice.accessToken })), { [ids.kettle]: 2 }, "bob emptying his cart leaves alice's")
      // A bad access token is an error to fix, not a silent switch to a guest cart.
      expectError(await cartRequest(built, { headers: { authorization: 'Bearer not.a.token' } }), 401, 'INVALID_TOKEN')
      expectError(await cartRequest(built, { headers: { authorization: 'Basic abc' } }), 401, 'INVALID_TOKEN')
    })

    test('names and prices come from the catalog: a price change is flagged until the line is changed', async (t) => {
      const { built, ids } = await shop(t, adapters)
      const token = await guestAdd(built, ids.wok, 2)
      await catalog.updateProduct(productDeps(built), ids.wok, { priceAmount: 4999, name: 'Wok, carbon steel' })
      const cart = await cartOk(built, { cartToken: token })
      const wok = cart.items[0]!
      assert.equal(wok.name, 'Wok, carbon steel')
      assert.deepEqual(wok.unitPrice, { amount: 4999, currency: 'USD' })
      assert.deepEqual(wok.lineTotal, { amount: 9998, currency: 'USD' })
      assert.equal(wok.priceChanged, true)
      assert.deepEqual(wok.previousUnitPrice, { amount: 5999, currency: 'USD' })
      assert.deepEqual(cart.subtotal, { amount: 9998, currency: 'USD' })
      assert.deepEqual(cart.warnings.map((w) => [w.code, w.productId]), [['PRICE_CHANGED', ids.wok]])

      const changed = await cartOk(built, { method: 'PATCH', url: `/api/cart/items/${ids.wok}`, payload: { quantity: 1 }, cartToken: token })
      assert.equal(changed.items[0]!.priceChanged, false, 'changing the line accepts the new price')
      assert.equal(changed.items[0]!.previousUnitPrice, undefined)
      assert.deepEqual(changed.warnings, [])

      // The client cannot set a price or a name.
      for (const extra of [{ price: 1 }, { unitPrice: { amount: 1, currency: 'USD' } }, { name: 'Free wok' }]) {
        expectError(
          await cartRequest(built, { method: 'POST', url: '/api/cart/items', payload: { productId: ids.wok, quantity: 1, ...extra }, cartToken: token }),
          400,
          'VALIDATION',
          JSON.stringify(extra),
        )
      }
      assert.deepEqual((await cartOk(built, { cartToken: token })).subtotal, { amount: 4999, currency: 'USD' })
    })

    test('a deleted product stays in the cart as unavailable until removed', async (t) => {
      const { built, ids } = await shop(t, adapters)
      const token = await guestAdd(built, ids.kettle, 1)
      await guestAdd(built, ids.lamp, 1, token)
      await catalog.deleteProduct(productDeps(built), ids.kettle)
      const cart = await cartOk(built, { cartToken: token })
      assert.deepEqual(cart.items[0], {
        productId: ids.kettle,
        variantId: await defaultVariantId(built.deps.db, ids.kettle),
        sku: null,
        options: {},
        slug: null,
        name: null,
        quantity: 1,
        unitPrice: null,
        lineTotal: null,
        image: null,
        available: false,
        inStock: false,
        stock: 0,
        exceedsStock: false,
        priceChanged: false,
      })
      assert.deepEqual(cart.subtotal, { amount: 2999, currency: 'USD' }, 'only what can be bought counts')
      assert.deepEqual(cart.warnings.map((w) => [w.code, w.productId]), [['PRODUCT_UNAVAILABLE', ids.kettle]])
      expectError(
        await cartRequest(built, { method: 'PATCH', url: `/api/cart/items/${ids.kettle}`, payload: { quantity: 2 }, cartToken: token }),
        404,
        'PRODUCT_NOT_FOUND',
      )
      expectError(
        await cartRequest(built, { method: 'POST', url: '/api/cart/items', payload: { productId: ids.kettle, quantity: 1 }, cartToken: token }),
        404,
        'PRODUCT_NOT_FOUND',
      )
      const after = await cartOk(built, { method: 'DELETE', url: `/api/cart/items/${ids.kettle}`, cartToken: token })
      assert.deepEqual(quantities(after), { [ids.lamp]: 1 })
    })

    test('more than the stock is refused on add and change with nothing written; a line above a fallen stock is flagged', async (t) => {
      const { built, ids } = await shop(t, adapters)
      const first = await cartRequest(built, { method: 'POST', url: '/api/cart/items', payload: { productId: ids.shovel, quantity: 1 } })
      expectError(first, 409, 'OUT_OF_STOCK', 'stock 0')
      assert.equal(first.headers['x-cart-token'], undefined, 'a refused first add makes no cart')
      const token = await guestAdd(built, ids.skillet, 4)
      expectError(
        await cartRequest(built, { method: 'POST', url: '/api/cart/items', payload: { productId: ids.skillet, quantity: 7 }, cartToken: token }),
        409,
        'OUT_OF_STOCK',
        '4 + 7 > 10',
      )
      expectError(
        await cartRequest(built, { method: 'PATCH', url: `/api/cart/items/${ids.skillet}`, payload: { quantity: 11 }, cartToken: token }),
        409,
        'OUT_OF_STOCK',
      )
      assert.deepEqual(quantities(await cartOk(built, { cartToken: token })), { [ids.skillet]: 4 })

      await catalog.setStock(productDeps(built), ids.skillet, 3)
      const cart = await cartOk(built, { cartToken: token })
      assert.equal(cart.items[0]!.exceedsStock, true)
      assert.equal(cart.items[0]!.stock, 3)
      assert.deepEqual(cart.warnings.map((w) => [w.code, w.productId]), [['QUANTITY_EXCEEDS_STOCK', ids.skillet]])
      await catalog.setStock(productDeps(built), ids.skillet, 0)
      const none = await cartOk(built, { cartToken: token })
      assert.equal(none.items[0]!.inStock, false)
      assert.deepEqual(none.warnings.map((w) => [w.code, w.productId]), [['OUT_OF_STOCK', ids.skillet]])
    })

    test('bad input answers 4xx JSON with a stable code and writes nothing', async (t) => {
      const { built, ids } = await shop(t, adapters)
      const token = await guestAdd(built, ids.lamp, 2)
      const add = (payload: unknown) => cartRequest(built, { method: 'POST', url: '/api/cart/items', payload, cartToken: token })
      const badBodies: unknown[] = [
        { productId: ids.lamp, quantity: 0 },
        { productId: ids.lamp, quantity: -1 },
        { productId: ids.lamp, quantity: 1.5 },
        { productId: ids.lamp, quantity: 100 },
        { productId: ids.lamp, quantity: 1e12 },
        { productId: ids.lamp, quantity: '2' },
        { productId: ids.lamp, quantity: null },
        { productId: ids.lamp },
        { quantity: 1 },
        { productId: String(ids.lamp), quantity: 1 },
        { productId: 0, quantity: 1 },
        { productId: -3, quantity: 1 },
        { productId: 2 ** 60, quantity: 1 },
        [{ productId: ids.lamp, quantity: 1 }],
      ]
      for (const payload of badBodies) expectError(await add(payload), 400, 'VALIDATION', `POST ${JSON.stringify(payload)}`)
      for (const quantity of [0, -1, 2.5, 100, '3']) {
        expectError(
          await cartRequest(built, { method: 'PATCH', url: `/api/cart/items/${ids.lamp}`, payload: { quantity }, cartToken: token }),
          400,
          'VALIDATION',
          `PATCH ${quantity}`,
        )
      }
      for (const url of ['/api/cart/items/abc', '/api/cart/items/0', '/api/cart/items/1.5']) {
        expectError(await cartRequest(built, { method: 'DELETE', url, cartToken: token }), 400, 'VALIDATION', url)
      }
      const invalidJson = await cartRequest(built, {
        method: 'POST',
        url: '/api/cart/items',
        payload: '{"productId": 1,',
        cartToken: token,
        headers: { 'content-type': 'application/json' },
      })
      expectError(invalidJson, 400, 'INVALID_JSON')
      expectError(await add({ productId: 999_999, quantity: 1 }), 404, 'PRODUCT_NOT_FOUND')
      expectError(
        await cartRequest(built, { method: 'PATCH', url: `/api/cart/items/${ids.wok}`, payload: { quantity: 1 }, cartToken: token }),
        404,
        'CART_ITEM_NOT_FOUND',
      )
      expectError(await cartRequest(built, { method: 'DELETE', url: `/api/cart/items/${ids.wok}`, cartToken: token }), 404, 'CART_ITEM_NOT_FOUND')
      expectError(
        await cartRequest(built, { method: 'PATCH', url: `/api/cart/items/${ids.wok}`, payload: { quantity: 1 } }),
        404,
        'CART_ITEM_NOT_FOUND',
        'no cart at all',
      )
      assert.deepEqual(quantities(await cartOk(built, { cartToken: token })), { [ids.lamp]: 2 }, 'the cart is as before')
    })

    test('per-line and per-cart limits: 409 QUANTITY_LIMIT and CART_FULL', async (t) => {
      const { built, ids } = await shop(t, adapters, { CART_MAX_LINES: '2' })
      await catalog.setStock(productDeps(built), ids.lamp, 500)
      const token = await guestAdd(built, ids.lamp, 60)
      expectError(
        await cartRequest(built, { method: 'POST', url: '/api/cart/items', payload: { productId: ids.lamp, quantity: 40 }, cartToken: token }),
        409,
        'QUANTITY_LIMIT',
      )
      await guestAdd(built, ids.lamp, 39, token)
      await guestAdd(built, ids.hose, 1, token)
      expectError(
        await cartRequest(built, { method: 'POST', url: '/api/cart/items', payload: { productId: ids.wok, quantity: 1 }, cartToken: token }),
        409,
        'CART_FULL',
      )
      assert.deepEqual(quantities(await cartOk(built, { cartToken: token })), { [ids.lamp]: 99, [ids.hose]: 1 })
    })

    test('a product in another currency than the cart is refused with 409 CURRENCY_MISMATCH', async (t) => {
      const { built, ids } = await shop(t, adapters)
      const euro = await productStore.insertProduct(built.deps.db, {
        slug: 'euro-teapot',
        name: 'Euro Teapot',
        description: '',
        priceAmount: 2500,
        currency: 'EUR',
        categoryId: null,
        attributes: {},
        stock: 5,
        images: [],
      })
      const token = await guestAdd(built, ids.lamp, 1)
      expectError(
        await cartRequest(built, { method: 'POST', url: '/api/cart/items', payload: { productId: euro, quantity: 1 }, cartToken: token }),
        409,
        'CURRENCY_MISMATCH',
      )
      await cartOk(built, { method: 'DELETE', cartToken: token })
      const cart = await cartOk(built, { method: 'POST', url: '/api/cart/items', payload: { productId: euro, quantity: 1 }, cartToken: token })
      assert.deepEqual(cart.subtotal, { amount: 2500, currency: 'EUR' }, 'an empty cart takes any currency')
    })

    test('over CART_RATE_LIMIT_MAX requests a client gets 429 RATE_LIMITED with Retry-After', async (t) => {
      const { built } = await shop(t, adapters, { CART_RATE_LIMIT_MAX: '3' })
      for (let i = 0; i < 3; i++) assert.equal((await cartRequest(built)).statusCode, 200)
      const limited = await cartRequest(built)
      expectError(limited, 429, 'RATE_LIMITED')
      assert.ok(Number(limited.headers['retry-after']) > 0)
      assert.equal(limited.headers['x-ratelimit-limit'], '3')
      assert.equal((await built.app.inject({ method: 'GET', url: '/api/cart/health' })).statusCode, 200, 'health is exempt')
    })
  })
}
