import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import type { BuiltApp } from '../../src/app.js'
import * as variants from '../../src/services/product/product-variants.js'
import { registerUser } from '../helpers/auth-fixture.js'
import { cartOk, cartRequest, expectError, guestAdd, shop, type Ids } from '../helpers/cart-fixture.js'
import { defaultVariantId, productDeps } from '../helpers/product-fixture.js'

/** The cart with a product of several variants: a line is (product, variant), with the variant's price, stock, SKU and options. */

/** The lamp in two sizes: S (the former default variant, stock 10) and L (stock 2, its own price). */
async function sizedLamp(built: BuiltApp, ids: Ids) {
  const deps = productDeps(built)
  await variants.setOptions(deps, ids.lamp, [{ name: 'Size', values: ['S', 'L'] }])
  const large = await variants.createVariant(deps, ids.lamp, { options: { Size: 'L' }, priceAmount: 4999, stock: 2, weightGrams: 900 })
  return { small: await defaultVariantId(built.deps.db, ids.lamp), large: large.id }
}

const add = (built: BuiltApp, payload: object, cartToken?: string) =>
  cartRequest(built, { method: 'POST', url: '/api/cart/items', payload, ...(cartToken ? { cartToken } : {}) })

for (const adapters of ['embedded', 'real'] as const) {
  describe(`cart with variants (${adapters})`, () => {
    test('two variants of one product are two lines, each with its SKU, options, price and stock', async (t) => {
      const { built, ids } = await shop(t, adapters)
      const { small, large } = await sizedLamp(built, ids)
      const token = await guestAdd(built, ids.skillet, 1)
      assert.equal((await add(built, { productId: ids.lamp, variantId: small, quantity: 3 }, token)).statusCode, 200)
      assert.equal((await add(built, { productId: ids.lamp, variantId: large, quantity: 2 }, token)).statusCode, 200)
      const cart = await cartOk(built, { cartToken: token })
      assert.deepEqual(
        cart.items.map((i) => [i.productId, i.variantId, i.sku, i.options, i.unitPrice?.amount, i.stock, i.quantity]),
        [
          [ids.skillet, await defaultVariantId(built.deps.db, ids.skillet), 'cast-iron-skillet', {}, 3999, 10, 1],
          [ids.lamp, small, 'reading-lamp', { Size: 'S' }, 2999, 10, 3],
          [ids.lamp, large, 'reading-lamp-l', { Size: 'L' }, 4999, 2, 2],
        ],
      )
      assert.deepEqual(cart.subtotal, { amount: 3999 + 3 * 2999 + 2 * 4999, currency: 'USD' })
      // L has 2 in stock; the product's 12 do not count for it.
      expectError(await add(built, { productId: ids.lamp, variantId: large, quantity: 1 }, token), 409, 'OUT_OF_STOCK', 'a third L')
    })

    test('a product with several variants needs variantId; an unknown or foreign variant is 404; nothing is written', async (t) => {
      const { built, ids } = await shop(t, adapters)
      const { small } = await sizedLamp(built, ids)
      const token = await guestAdd(built, ids.skillet, 1)
      expectError(await add(built, { productId: ids.lamp, quantity: 1 }, token), 409, 'VARIANT_REQUIRED', 'no variantId')
      expectError(await add(built, { productId: ids.lamp, variantId: 99999999, quantity: 1 }, token), 404, 'VARIANT_NOT_FOUND', 'unknown variant')
      expectError(await add(built, { productId: ids.skillet, variantId: small, quantity: 1 }, token), 404, 'VARIANT_NOT_FOUND', "the lamp's variant under the skillet")
      expectError(await add(built, { productId: ids.lamp, variantId: 0, quantity: 1 }, token), 400, 'VALIDATION', 'variant 0')
      expectError(await add(built, { productId: ids.lamp, variantId: 1.5, quantity: 1 }, token), 400, 'VALIDATION', 'fractional variant')
      assert.deepEqual((await cartOk(built, { cartToken: token })).items.map((i) => i.productId), [ids.skillet])
    })

    test('changing or removing a line of a product with two variants in the cart names the variant (?variantId=)', async (t) => {
      const { built, ids } = await shop(t, adapters)
      const { small, large } = await sizedLamp(built, ids)
      const token = await guestAdd(built, ids.skillet, 1)
      await add(built, { productId: ids.lamp, variantId: small, quantity: 1 }, token)
      // One line of the lamp: the old routes address it without naming the variant.
      assert.equal((await cartOk(built, { method: 'PATCH', url: `/api/cart/items/${ids.lamp}`, payload: { quantity: 4 }, cartToken: token })).items[1]!.quantity, 4)
      await add(built, { productId: ids.lamp, variantId: large, quantity: 1 }, token)
      expectError(await cartRequest(built, { method: 'PATCH', url: `/api/cart/items/${ids.lamp}`, payload: { quantity: 2 }, cartToken: token }), 409, 'VARIANT_REQUIRED', 'two lines')
      expectError(await cartRequest(built, { method: 'DELETE', url: `/api/cart/items/${ids.lamp}`, cartToken: token }), 409, 'VARIANT_REQUIRED', 'two lines')
      expectError(await cartRequest(built, { method: 'PATCH', url: `/api/cart/items/${ids.lamp}?variantId=${large}`, payload: { quantity: 3 }, cartToken: token }), 409, 'OUT_OF_STOCK', 'L has 2')
      const changed = await cartOk(built, { method: 'PATCH', url: `/api/cart/items/${ids.lamp}?variantId=${large}`, payload: { quantity: 2 }, cartToken: token })
      assert.deepEqual(changed.items.map((i) => [i.variantId, i.quantity]).slice(1), [[small, 4], [large, 2]])
      const removed = await cartOk(built, { method: 'DELETE', url: `/api/cart/items/${ids.lamp}?variantId=${small}`, cartToken: token })
      assert.deepEqual(removed.items.map((i) => [i.productId, i.variantId]).slice(1), [[ids.lamp, large]])
      expectError(await cartRequest(built, { method: 'DELETE', url: `/api/cart/items/${ids.lamp}?variantId=${small}`, cartToken: token }), 404, 'CART_ITEM_NOT_FOUND', 'gone')
    })

    test('merge on login adds per variant', async (t) => {
      const { built, ids } = await shop(t, adapters)
      const { small, large } = await sizedLamp(built, ids)
      const user = await registerUser(built)
      await cartOk(built, { method: 'POST', url: '/api/cart/items', payload: { productId: ids.lamp, variantId: small, quantity: 1 }, accessToken: user.accessToken })
      const token = (await add(built, { productId: ids.lamp, variantId: small, quantity: 2 })).headers['x-cart-token'] as string
      await add(built, { productId: ids.lamp, variantId: large, quantity: 2 }, token)
      const merged = await cartOk(built, { method: 'POST', url: '/api/cart/merge', cartToken: token, accessToken: user.accessToken })
      assert.deepEqual(merged.items.map((i) => [i.variantId, i.quantity]), [[small, 3], [large, 2]])
      assert.deepEqual(merged.warnings, [])
    })
  })
}
