import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { describe, test } from 'node:test'
import { createCartClient } from '../../src/contracts/cart.js'
import { peerClient } from '../../src/platform/peers.js'
import * as catalog from '../../src/services/product/catalog-admin.js'
import { registerUser } from '../helpers/auth-fixture.js'
import { cartOk, cartRequest, expectError, guestAdd, quantities, restartableApp, shop, type CartBody } from '../helpers/cart-fixture.js'
import { defaultVariantId, productDeps, seedProductFixture } from '../helpers/product-fixture.js'

/** Carts across sign-in, checkout and restarts: the guest cart merge, the order service's internal routes, persistence. */
for (const adapters of ['embedded', 'real'] as const) {
  describe(`cart merge, checkout and restarts (${adapters})`, () => {
    test('at login the guest cart merges into the user cart: quantities added, capped by stock; the guest cart is gone; merging twice adds nothing', async (t) => {
      const { built, ids } = await shop(t, adapters)
      const user = await registerUser(built)
      await cartOk(built, { method: 'POST', url: '/api/cart/items', payload: { productId: ids.skillet, quantity: 2 }, accessToken: user.accessToken })
      await cartOk(built, { method: 'POST', url: '/api/cart/items', payload: { productId: ids.kettle, quantity: 5 }, accessToken: user.accessToken })
      const guest = await guestAdd(built, ids.skillet, 3)
      await guestAdd(built, ids.kettle, 8, guest) // 5 + 8 > 10 in stock
      await guestAdd(built, ids.hose, 1, guest)

      const merged = await cartRequest(built, { accessToken: user.accessToken, cartToken: guest })
      assert.equal(merged.statusCode, 200, merged.body)
      assert.equal(merged.headers['x-cart-token'], undefined, 'the guest token is spent')
      const body = merged.json<CartBody>()
      assert.deepEqual(quantities(body), { [ids.skillet]: 5, [ids.kettle]: 10, [ids.hose]: 1 })
      assert.deepEqual(body.items.map((i) => i.productId), [ids.skillet, ids.kettle, ids.hose], "the user's lines first, then the guest's new ones")
      assert.equal(body.items.find((i) => i.productId === ids.kettle)!.quantityAdjusted, true)
      assert.equal(body.items.find((i) => i.productId === ids.skillet)!.quantityAdjusted, undefined)
      assert.deepEqual(body.warnings.map((w) => [w.code, w.productId]), [['MERGE_QUANTITY_CAPPED', ids.kettle]])

      assert.deepEqual(quantities(await cartOk(built, { accessToken: user.accessToken, cartToken: guest })), quantities(body), 'merging twice adds nothing')
      const again = await cartOk(built, { method: 'POST', url: '/api/cart/merge', accessToken: user.accessToken, cartToken: guest })
      assert.deepEqual(quantities(again), quantities(body))
      assert.deepEqual(again.warnings, [])
      const guestNow = await cartRequest(built, { cartToken: guest })
      assert.deepEqual(guestNow.json<CartBody>().items, [], 'the guest cart is gone')
      assert.equal(guestNow.headers['x-cart-token'], undefined)
    })

    test('POST /api/cart/merge merges explicitly; it needs a user and a guest token', async (t) => {
      const { built, ids } = await shop(t, adapters)
      const user = await registerUser(built)
      const guest = await guestAdd(built, ids.lamp, 2)
      expectError(await cartRequest(built, { method: 'POST', url: '/api/cart/merge', cartToken: guest }), 401, 'AUTH_REQUIRED')
      expectError(await cartRequest(built, { method: 'POST', url: '/api/cart/merge', accessToken: user.accessToken }), 400, 'CART_TOKEN_REQUIRED')
      const cart = await cartOk(built, { method: 'POST', url: '/api/cart/merge', accessToken: user.accessToken, cartToken: guest })
      assert.deepEqual(quantities(cart), { [ids.lamp]: 2 })
      assert.deepEqual(quantities(await cartOk(built, { cartToken: guest })), {})
    })

    test('a guest line that cannot be merged is reported, not silently dropped', async (t) => {
      const { built, ids } = await shop(t, adapters)
      const user = await registerUser(built)
      const guest = await guestAdd(built, ids.hose, 2)
      await guestAdd(built, ids.wok, 1, guest)
      await catalog.setStock(productDeps(built), ids.hose, 0)
      await catalog.deleteProduct(productDeps(built), ids.wok)
      const cart = await cartOk(built, { method: 'POST', url: '/api/cart/merge', accessToken: user.accessToken, cartToken: guest })
      assert.deepEqual(cart.items, [])
      assert.deepEqual(
        cart.warnings.map((w) => [w.code, w.productId]),
        [
          ['MERGE_ITEM_SKIPPED', ids.hose],
          ['MERGE_ITEM_SKIPPED', ids.wok],
        ],
      )
    })

    test('requests racing with the same guest token merge it once', async (t) => {
      const { built, ids } = await shop(t, adapters)
      const user = await registerUser(built)
      await cartOk(built, { method: 'POST', url: '/api/cart/items', payload: { productId: ids.lamp, quantity: 1 }, accessToken: user.accessToken })
      const guest = await guestAdd(built, ids.lamp, 2)
      const answers = await Promise.all(Array.from({ length: 6 }, () => cartRequest(built, { accessToken: user.accessToken, cartToken: guest })))
      for (const a of answers) assert.equal(a.statusCode, 200, a.body)
      assert.deepEqual(quantities(await cartOk(built, { accessToken: user.accessToken })), { [ids.lamp]: 3 })
    })

    test('the internal routes need the internal token; the order service reads the lines and takes an order out once', async (t) => {
      const { built, ids } = await shop(t, adapters)
      const user = await registerUser(built)
      await cartOk(built, { method: 'POST', url: '/api/cart/items', payload: { productId: ids.skillet, quantity: 3 }, accessToken: user.accessToken })
      await cartOk(built, { method: 'POST', url: '/api/cart/items', payload: { productId: ids.lamp, quantity: 1 }, accessToken: user.accessToken })
      const userId = user.user.id
      const orderId = randomUUID()
      const lines = [{ productId: ids.skillet, quantity: 2 }, { productId: ids.lamp, quantity: 1 }]
      for (const headers of [{}, { 'x-internal-token': 'wrong'.repeat(10) }]) {
        expectError(await built.app.inject({ method: 'GET', url: `/internal/carts/${userId}`, headers }), 403, 'INTERNAL_TOKEN_REJECTED')
        expectError(
          await built.app.inject({ method: 'POST', url: `/internal/carts/${userId}/ordered`, headers, payload: { orderId, lines } }),
          403,
          'INTERNAL_TOKEN_REJECTED',
        )
      }
      const client = createCartClient(peerClient(built.deps.peers, 'cart'))
      const variantOf = (productId: number) => defaultVariantId(built.deps.db, productId)
      assert.deepEqual(await client.getUserCart(userId), [
        { productId: ids.skillet, variantId: await variantOf(ids.skillet), quantity: 3 },
        { productId: ids.lamp, variantId: await variantOf(ids.lamp), quantity: 1 },
      ])
      assert.deepEqual(await client.getUserCart(randomUUID()), [], 'a user without a cart has no lines')
      await client.removeOrdered(userId, orderId, lines)
      // Added while the order was being placed: stays.
      await cartOk(built, { method: 'POST', url: '/api/cart/items', payload: { productId: ids.hose, quantity: 1 }, accessToken: user.accessToken })
      await client.removeOrdered(userId, orderId, lines)
      assert.deepEqual(await client.getUserCart(userId), [
        { productId: ids.skillet, variantId: await variantOf(ids.skillet), quantity: 1 },
        { productId: ids.hose, variantId: await variantOf(ids.hose), quantity: 1 },
      ])
      const internal = { 'x-internal-token': built.deps.peers.internalToken }
      expectError(
        await built.app.inject({ method: 'POST', url: `/internal/carts/${userId}/ordered`, headers: internal, payload: { orderId: 'nope', lines } }),
        400,
        'VALIDATION',
      )
      expectError(
        await built.app.inject({ method: 'POST', url: `/internal/carts/${userId}/ordered`, headers: internal, payload: { orderId, lines, extra: 1 } }),
        400,
        'VALIDATION',
      )
    })

    test('carts survive a restart', async (t) => {
      const start = await restartableApp(t, adapters)
      let built = await start()
      const { ids } = await seedProductFixture(built.deps.db)
      const guest = await guestAdd(built, ids.wok, 2)
      const user = await registerUser(built)
      await cartOk(built, { method: 'POST', url: '/api/cart/items', payload: { productId: ids.kettle, quantity: 3 }, accessToken: user.accessToken })
      built = await start()
      assert.deepEqual(quantities(await cartOk(built, { cartToken: guest })), { [ids.wok]: 2 })
      assert.deepEqual(quantities(await cartOk(built, { accessToken: user.accessToken })), { [ids.kettle]: 3 })
    })

  })
}
