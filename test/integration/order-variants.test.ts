import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import type { BuiltApp } from '../../src/app.js'
import * as variants from '../../src/services/product/product-variants.js'
import { defaultVariantId, productDeps } from '../helpers/product-fixture.js'
import { checkout, errorCode, orderShop, shopper, type Shopper } from '../helpers/order-fixture.js'

/** Checkout of variants: each line is a variant, its stock is taken alone, and the order, its event and the cart say which. */

async function addVariant(built: BuiltApp, who: Shopper, productId: number, variantId: number, quantity: number) {
  const res = await built.app.inject({ method: 'POST', url: '/api/cart/items', headers: who.headers, payload: { productId, variantId, quantity } })
  assert.equal(res.statusCode, 200, res.body)
}

async function variantStock(built: BuiltApp, variantId: number) {
  return (await built.deps.db.query<{ stock: number }>('select stock from catalog.variants where id = $1', [variantId])).rows[0]!.stock
}

for (const adapters of ['embedded', 'real'] as const) {
  describe(`orders of variants (${adapters})`, () => {
    test('two variants of one product: two order lines with variant, SKU, options, weight and price; each variant\'s stock taken; order.placed carries them; the cart empties', async (t) => {
      const { built, ids } = await orderShop(t, adapters)
      const deps = productDeps(built)
      await variants.setOptions(deps, ids.lamp, [{ name: 'Size', values: ['S', 'L'] }])
      const small = await defaultVariantId(built.deps.db, ids.lamp)
      const large = (await variants.createVariant(deps, ids.lamp, { options: { Size: 'L' }, priceAmount: 4999, stock: 5, weightGrams: 1200 })).id
      await variants.updateVariant(deps, ids.lamp, small, { weightGrams: 700 })
      const ada = await shopper(built)
      await addVariant(built, ada, ids.lamp, small, 2)
      await addVariant(built, ada, ids.lamp, large, 1)
      const res = await checkout(built, ada)
      assert.equal(res.statusCode, 201, res.body)
      const order = res.json()
      assert.deepEqual(
        order.lines.map((l: any) => [l.productId, l.variantId, l.sku, l.options, l.weightGrams, l.quantity, l.unitPrice.amount]),
        [
          [ids.lamp, small, 'reading-lamp', { Size: 'S' }, 700, 2, 2999],
          [ids.lamp, large, 'reading-lamp-l', { Size: 'L' }, 1200, 1, 4999],
        ],
      )
      assert.deepEqual(order.subtotal, { amount: 2 * 2999 + 4999, currency: 'USD' })
      assert.deepEqual([await variantStock(built, small), await variantStock(built, large)], [8, 4])
      const { rows } = await built.deps.db.query<{ payload: any }>("select payload from orders.outbox where aggregate_id = $1 and type = 'order.placed'", [order.id])
      assert.deepEqual(
        rows[0]!.payload.lines.map((l: any) => [l.variantId, l.sku, l.options, l.weightGrams]),
        [[small, 'reading-lamp', { Size: 'S' }, 700], [large, 'reading-lamp-l', { Size: 'L' }, 1200]],
      )
      const cart = (await built.app.inject({ method: 'GET', url: '/api/cart', headers: ada.headers })).json()
      assert.deepEqual(cart.items, [])
      const fetched = (await built.app.inject({ method: 'GET', url: `/api/orders/${order.id}`, headers: ada.headers })).json()
      assert.deepEqual(fetched.lines, order.lines)
    })

    test('a variant deleted after it went into the cart refuses the checkout with 409 PRODUCT_UNAVAILABLE; nothing is written', async (t) => {
      const { built, ids } = await orderShop(t, adapters)
      const deps = productDeps(built)
      await variants.setOptions(deps, ids.lamp, [{ name: 'Size', values: ['S', 'L'] }])
      const large = (await variants.createVariant(deps, ids.lamp, { options: { Size: 'L' }, stock: 5 })).id
      const cy = await shopper(built)
      await addVariant(built, cy, ids.lamp, large, 1)
      await variants.deleteVariant(deps, ids.lamp, large)
      const res = await checkout(built, cy)
      assert.equal(res.statusCode, 409, res.body)
      assert.equal(errorCode(res), 'PRODUCT_UNAVAILABLE')
      const { rows } = await built.deps.db.query<{ n: number }>('select count(*)::int as n from orders.orders where user_id = $1', [cy.userId])
      assert.equal(rows[0]!.n, 0)
      assert.equal(await variantStock(built, large), 5)
    })
  })
}
