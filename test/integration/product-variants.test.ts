import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { describe, test, type TestContext } from 'node:test'
import type { BuiltApp } from '../../src/app.js'
import * as catalog from '../../src/services/product/catalog-admin.js'
import { releaseReservation, reserveStock } from '../../src/services/product/stock.js'
import { buildTestApp } from '../helpers/build-app.js'
import type { Adapters } from '../helpers/databases.js'
import { productDeps, seedProductFixture } from '../helpers/product-fixture.js'
import { tokenMinter } from '../helpers/token-minter.js'

/** Options and variants: the admin routes, what the catalog shows, and reservations per variant. */

async function variantShop(t: TestContext, adapters: Adapters) {
  const minter = await tokenMinter()
  const built = await buildTestApp(t, { adapters, env: { JWT_SECRET: minter.secret, PRODUCT_RATE_LIMIT_MAX: '100000' } })
  const { ids } = await seedProductFixture(built.deps.db)
  const admin = (await minter.admin()).headers
  const call = async (method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', url: string, payload?: object) => {
    const res = await built.app.inject({ method, url, headers: admin, ...(payload ? { payload } : {}) })
    return { status: res.statusCode, body: res.body ? (res.json() as any) : null }
  }
  return { built, ids, call }
}

/** Everything a refused write could have changed: the product as shown, and the raw variant rows. */
async function snapshot(built: BuiltApp, productId: number) {
  const detail = await built.app.inject({ method: 'GET', url: `/api/products/${productId}` })
  const { rows } = await built.deps.db.query('select * from catalog.variants where product_id = $1 order by id', [productId])
  const { updatedAt: _u, ...shown } = detail.json() as Record<string, unknown>
  return { shown, rows }
}

async function stocks(built: BuiltApp, productId: number) {
  const p = await built.deps.db.query<{ stock: number }>('select stock from catalog.products where id = $1', [productId])
  const v = await built.deps.db.query<{ id: number; stock: number }>('select id, stock from catalog.variants where product_id = $1 and deleted_at is null order by id', [productId])
  return { product: p.rows[0]!.stock, variants: v.rows.map((r) => r.stock) }
}

const release = (built: BuiltApp, orderId: string) => releaseReservation(productDeps(built), orderId)

const SIZES = { name: 'Size', values: ['S', 'M', 'L'] }
const COLOURS = { name: 'Colour', values: ['Red', 'Blue'] }

for (const adapters of ['embedded', 'real'] as const) {
  describe(`product variants (${adapters})`, () => {
    test('a product without options has one default variant: SKU from the slug, its stock, the product price; the old stock route keeps working', async (t) => {
      const { ids, call } = await variantShop(t, adapters)
      const { body } = await call('GET', `/api/products/${ids.skillet}`)
      assert.deepEqual(body.options, [])
      assert.equal(body.variants.length, 1)
      assert.deepEqual({ ...body.variants[0], id: 0 }, {
        id: 0, sku: 'cast-iron-skillet', options: {}, price: { amount: 3999, currency: 'USD' }, salePrice: { amount: 3999, currency: 'USD' }, stock: 10, inStock: true, weightGrams: 0,
      })
      const set = await call('PUT', `/api/products/${ids.skillet}/stock`, { stock: 4 })
      assert.equal(set.status, 200, JSON.stringify(set.body))
      assert.equal(set.body.stock, 4)
      assert.equal(set.body.variants[0].stock, 4)
      // Lists show options, not variants.
      const list = await call('GET', '/api/products?limit=100')
      assert.ok(list.body.items.every((p: any) => Array.isArray(p.options) && p.variants === undefined))
    })

    test('options and variants: the default variant takes the first values, each variant has its own stock, price and weight, the product stock is their sum', async (t) => {
      const { built, ids, call } = await variantShop(t, adapters)
      const opts = await call('PUT', `/api/products/${ids.lamp}/options`, { options: [SIZES, COLOURS] })
      assert.equal(opts.status, 200, JSON.stringify(opts.body))
      assert.deepEqual(opts.body.options, [SIZES, COLOURS])
      assert.deepEqual(opts.body.variants.map((v: any) => [v.sku, v.options, v.stock]), [['reading-lamp', { Size: 'S', Colour: 'Red' }, 10]])

      const blue = await call('POST', `/api/products/${ids.lamp}/variants`, { options: { Size: 'M', Colour: 'Blue' }, priceAmount: 3499, stock: 3, weightGrams: 850 })
      assert.equal(blue.status, 201, JSON.stringify(blue.body))
      assert.deepEqual({ ...blue.body, id: 0 }, {
        id: 0, sku: 'reading-lamp-m-blue', options: { Size: 'M', Colour: 'Blue' }, price: { amount: 3499, currency: 'USD' }, salePrice: { amount: 3499, currency: 'USD' }, stock: 3, inStock: true, weightGrams: 850,
      })
      assert.deepEqual(await stocks(built, ids.lamp), { product: 13, variants: [10, 3] })

      const red = (await call('GET', `/api/products/${ids.lamp}`)).body.variants[0]
      const stock = await call('PUT', `/api/products/${ids.lamp}/variants/${red.id}/stock`, { stock: 2 })
      assert.equal(stock.status, 200)
      assert.equal(stock.body.stock, 2)
      assert.deepEqual(await stocks(built, ids.lamp), { product: 5, variants: [2, 3] })

      const patched = await call('PATCH', `/api/products/${ids.lamp}/variants/${blue.body.id}`, { sku: 'LAMP-M-BLUE', priceAmount: null, options: { Size: 'L', Colour: 'Blue' } })
      assert.equal(patched.status, 200, JSON.stringify(patched.body))
      assert.deepEqual([patched.body.sku, patched.body.price.amount, patched.body.options], ['LAMP-M-BLUE', 2999, { Size: 'L', Colour: 'Blue' }])

      // A deal applies to every variant's price.
      await catalog.createDeal(productDeps(built), { productId: ids.lamp, title: '', discountPercent: 10, startsAt: new Date(Date.now() - 1000), endsAt: new Date(Date.now() + 86_400_000) })
      await call('PATCH', `/api/products/${ids.lamp}/variants/${blue.body.id}`, { priceAmount: 1999 })
      const shown = (await call('GET', `/api/products/${ids.lamp}`)).body
      assert.deepEqual(shown.variants.map((v: any) => v.salePrice.amount), [2699, 1799])

      const old = await call('PUT', `/api/products/${ids.lamp}/stock`, { stock: 9 })
      assert.equal(old.status, 409)
      assert.equal(old.body.error.code, 'VARIANT_REQUIRED')

      assert.equal((await call('DELETE', `/api/products/${ids.lamp}/variants/${red.id}`)).status, 204)
      assert.deepEqual(await stocks(built, ids.lamp), { product: 3, variants: [3] })
      const last = await call('DELETE', `/api/products/${ids.lamp}/variants/${blue.body.id}`)
      assert.equal(last.status, 409)
      assert.equal(last.body.error.code, 'LAST_VARIANT')
      // One variant left: the product's stock route addresses it again.
      assert.equal((await call('PUT', `/api/products/${ids.lamp}/stock`, { stock: 7 })).body.variants[0].stock, 7)
    })

    test('bad variant input gets a 4xx with a stable code and writes nothing', async (t) => {
      const { built, ids, call } = await variantShop(t, adapters)
      await call('PUT', `/api/products/${ids.lamp}/options`, { options: [SIZES, COLOURS] })
      const m = await call('POST', `/api/products/${ids.lamp}/variants`, { options: { Size: 'M', Colour: 'Red' }, stock: 2 })
      assert.equal(m.status, 201)
      const before = await snapshot(built, ids.lamp)
      const url = `/api/products/${ids.lamp}/variants`
      const refused: [string, string, object, number, string][] = [
        ['POST', url, { options: { Size: 'XL', Colour: 'Red' } }, 400, 'UNKNOWN_OPTION_VALUE'],
        ['POST', url, { options: { Size: 'L' } }, 400, 'UNKNOWN_OPTION_VALUE'],
        ['POST', url, { options: { Size: 'L', Colour: 'Red', Fit: 'Slim' } }, 400, 'UNKNOWN_OPTION_VALUE'],
        ['POST', url, { options: { Size: 'M', Colour: 'Red' } }, 409, 'VARIANT_COMBINATION_TAKEN'],
        ['POST', url, { options: { Size: 'L', Colour: 'Red' }, sku: 'reading-lamp' }, 409, 'SKU_TAKEN'],
        ['POST', url, { options: { Size: 'L', Colour: 'Red' }, stock: -1 }, 400, 'VALIDATION'],
        ['POST', url, { options: { Size: 'L', Colour: 'Red' }, stock: 1.5 }, 400, 'VALIDATION'],
        ['POST', url, { options: { Size: 'L', Colour: 'Red' }, priceAmount: -100 }, 400, 'VALIDATION'],
        ['POST', url, { options: { Size: 'L', Colour: 'Red' }, priceAmount: 9.99 }, 400, 'VALIDATION'],
        ['POST', url, { options: { Size: 'L', Colour: 'Red' }, weightGrams: -5 }, 400, 'VALIDATION'],
        ['POST', url, { options: { Size: 'L', Colour: 'Red' }, weightGrams: 0.5 }, 400, 'VALIDATION'],
        ['POST', url, { options: { Size: 'L', Colour: 'Red' }, price: 1 }, 400, 'VALIDATION'],
        ['PATCH', `${url}/${m.body.id}`, { options: { Size: 'S', Colour: 'Red' } }, 409, 'VARIANT_COMBINATION_TAKEN'],
        ['PATCH', `${url}/${m.body.id}`, { options: { Size: 'S', Colour: 'Green' } }, 400, 'UNKNOWN_OPTION_VALUE'],
        ['PUT', `${url}/${m.body.id}/stock`, { stock: -1 }, 400, 'VALIDATION'],
        // Dropping a value a variant uses, or an option whose removal makes two variants alike.
        ['PUT', `/api/products/${ids.lamp}/options`, { options: [{ name: 'Size', values: ['S', 'L'] }, COLOURS] }, 409, 'OPTION_VALUE_IN_USE'],
        ['PUT', `/api/products/${ids.lamp}/options`, { options: [COLOURS] }, 409, 'VARIANT_COMBINATION_TAKEN'],
        ['PUT', `/api/products/${ids.lamp}/options`, { options: [SIZES, SIZES] }, 400, 'INVALID_VALUE'],
        ['PUT', `/api/products/${ids.lamp}/options`, { options: [{ name: 'Size', values: ['S', 'S'] }] }, 400, 'VALIDATION'],
        // A variant of another product is not this product's.
        ['PATCH', `/api/products/${ids.skillet}/variants/${m.body.id}`, { weightGrams: 1 }, 404, 'VARIANT_NOT_FOUND'],
        ['PUT', `/api/products/${ids.skillet}/variants/${m.body.id}/stock`, { stock: 1 }, 404, 'VARIANT_NOT_FOUND'],
        ['DELETE', `/api/products/${ids.skillet}/variants/${m.body.id}`, {}, 404, 'VARIANT_NOT_FOUND'],
        ['POST', '/api/products/999999/variants', { options: {} }, 404, 'PRODUCT_NOT_FOUND'],
      ]
      for (const [method, path, payload, status, code] of refused) {
        const res = await call(method as 'POST', path, method === 'DELETE' ? undefined : payload)
        assert.equal(res.status, status, `${method} ${path} ${JSON.stringify(payload)}: ${JSON.stringify(res.body)}`)
        assert.equal(res.body.error.code, code, `${method} ${path} ${JSON.stringify(payload)}`)
      }
      assert.deepEqual(await snapshot(built, ids.lamp), before)
    })

    test('a reservation takes the named variant\'s stock and carries its SKU, options, weight and price; bad lines are refused whole', async (t) => {
      const { built, ids, call } = await variantShop(t, adapters)
      const deps = productDeps(built)
      await call('PUT', `/api/products/${ids.lamp}/options`, { options: [SIZES] })
      const small = (await call('GET', `/api/products/${ids.lamp}`)).body.variants[0]
      const large = (await call('POST', `/api/products/${ids.lamp}/variants`, { options: { Size: 'L' }, priceAmount: 3999, stock: 2, weightGrams: 1200 })).body
      const skilletVariant = (await call('GET', `/api/products/${ids.skillet}`)).body.variants[0]

      const r = await reserveStock(deps, randomUUID(), [{ productId: ids.lamp, variantId: large.id, quantity: 2 }, { productId: ids.skillet, quantity: 1 }], 600)
      assert.deepEqual(r.lines, [
        { productId: ids.skillet, variantId: skilletVariant.id, sku: 'cast-iron-skillet', options: {}, weightGrams: 0, quantity: 1, name: 'Cast Iron Skillet', unitPrice: { amount: 3999, currency: 'USD' } },
        { productId: ids.lamp, variantId: large.id, sku: 'reading-lamp-l', options: { Size: 'L' }, weightGrams: 1200, quantity: 2, name: 'Reading Lamp', unitPrice: { amount: 3999, currency: 'USD' } },
      ])
      // Selling L never touches S.
      assert.deepEqual(await stocks(built, ids.lamp), { product: 10, variants: [10, 0] })

      const before = [await stocks(built, ids.lamp), await stocks(built, ids.skillet)]
      const refusals: [object[], string][] = [
        [[{ productId: ids.lamp, quantity: 1 }], 'VARIANT_REQUIRED'],
        [[{ productId: ids.skillet, quantity: 1 }, { productId: ids.lamp, variantId: skilletVariant.id, quantity: 1 }], 'PRODUCT_UNAVAILABLE'],
        [[{ productId: ids.lamp, variantId: 99999999, quantity: 1 }], 'PRODUCT_UNAVAILABLE'],
        [[{ productId: ids.lamp, variantId: small.id, quantity: 1 }, { productId: ids.lamp, variantId: large.id, quantity: 1 }], 'OUT_OF_STOCK'],
        // Two lines for one variant count together: 6 + 5 > 10.
        [[{ productId: ids.skillet, quantity: 6 }, { productId: ids.skillet, variantId: skilletVariant.id, quantity: 5 }], 'OUT_OF_STOCK'],
      ]
      for (const [lines, code] of refusals) {
        await assert.rejects(reserveStock(deps, randomUUID(), lines as never, 600), (e: any) => e.code === code, `${JSON.stringify(lines)} -> ${code}`)
      }
      assert.deepEqual([await stocks(built, ids.lamp), await stocks(built, ids.skillet)], before)
      const { rows } = await built.deps.db.query<{ n: number }>('select count(*)::int as n from catalog.reservations')
      assert.equal(rows[0]!.n, 1)
    })

    test('a product patch with stock is refused whole for a product with several variants; a reservation from before variants gives its stock back to the default variant', async (t) => {
      const { built, ids, call } = await variantShop(t, adapters)
      await call('PUT', `/api/products/${ids.lamp}/options`, { options: [SIZES] })
      await call('POST', `/api/products/${ids.lamp}/variants`, { options: { Size: 'L' }, stock: 2 })
      const patch = await call('PATCH', `/api/products/${ids.lamp}`, { name: 'Renamed', stock: 50 })
      assert.equal(patch.status, 409)
      assert.equal(patch.body.error.code, 'VARIANT_REQUIRED')
      assert.equal((await call('GET', `/api/products/${ids.lamp}`)).body.name, 'Reading Lamp', 'the name was not written either')
      assert.deepEqual(await stocks(built, ids.lamp), { product: 12, variants: [10, 2] })

      // Written by the code before variants: lines without variantId, their stock taken from the product.
      const orderId = randomUUID()
      await built.deps.db.query(
        `insert into catalog.reservations (order_id, status, lines, expires_at) values ($1, 'held', $2::jsonb, now() + interval '1 hour')`,
        [orderId, JSON.stringify([{ productId: ids.skillet, quantity: 3, name: 'Cast Iron Skillet', unitPrice: { amount: 3999, currency: 'USD' } }])],
      )
      await built.deps.db.query('update catalog.variants set stock = stock - 3 where product_id = $1', [ids.skillet])
      await built.deps.db.query('update catalog.products set stock = stock - 3 where id = $1', [ids.skillet])
      assert.equal((await release(built, orderId))?.status, 'released')
      assert.deepEqual(await stocks(built, ids.skillet), { product: 10, variants: [10] })
    })
  })
}
