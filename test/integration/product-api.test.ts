import assert from 'node:assert/strict'
import { createHash, randomUUID } from 'node:crypto'
import { describe, test } from 'node:test'
import type { BuiltApp } from '../../src/app.js'
import { createCursorCodec } from '../../src/platform/cursors.js'
import * as catalog from '../../src/services/product/catalog-admin.js'
import * as store from '../../src/services/product/product-store.js'
import { seedDemoCatalog } from '../../src/services/product/demo-catalog.js'
import { buildTestApp, METRICS_AUTH, sameShopAs } from '../helpers/build-app.js'
import { reserveStock } from '../../src/services/product/stock.js'
import { productDeps, seedProductFixture } from '../helpers/product-fixture.js'

type Page = { items: { id: number; slug: string; name: string; price: { amount: number }; salePrice: { amount: number } }[]; nextCursor: string | null }

async function get(built: BuiltApp, url: string, headers: Record<string, string> = {}) {
  return built.app.inject({ method: 'GET', url, headers })
}

async function json<T = Page>(built: BuiltApp, url: string): Promise<T> {
  const res = await get(built, url)
  assert.equal(res.statusCode, 200, `${url}: ${res.body}`)
  return res.json() as T
}

async function expectError(built: BuiltApp, url: string, status: number, code: string) {
  const res = await get(built, url)
  assert.equal(res.statusCode, status, `${url}: ${res.body}`)
  assert.equal(res.headers['content-type']?.toString().startsWith('application/json'), true)
  const body = res.json()
  assert.equal(body.error.code, code, `${url}: ${res.body}`)
  assert.equal(typeof body.error.message, 'string')
}

for (const adapters of ['embedded', 'real'] as const) {
  describe(`catalog API (${adapters})`, () => {
    test('an empty catalog lists no products', async (t) => {
      const built = await buildTestApp(t, { adapters })
      assert.deepEqual(await json(built, '/api/products'), { items: [], nextCursor: null })
    })

    test('products list newest first with prices, sale prices and categories', async (t) => {
      const built = await buildTestApp(t, { adapters })
      const { ids } = await seedProductFixture(built.deps.db)
      const page = await json<{ items: Record<string, any>[] }>(built, '/api/products?limit=3')
      assert.deepEqual(page.items.map((p) => p.id), [ids.hose, ids.shovel, ids.lamp])
      const hose = page.items[0]!
      assert.deepEqual(hose.price, { amount: 1999, currency: 'USD' })
      assert.deepEqual(hose.salePrice, hose.price)
      assert.equal(hose.deal, null)
      assert.deepEqual(hose.category, { id: hose.category.id, slug: 'garden', name: 'Garden' })
      assert.equal(page.items[1]!.inStock, false)
    })

    test('every sort pages through the whole result exactly once', async (t) => {
      const built = await buildTestApp(t, { adapters })
      await seedDemoCatalog(built.deps.db, 230, { batchSize: 100 })
      for (const query of ['sort=newest', 'sort=price_asc', 'sort=price_desc', 'q=lamp%20OR%20chair%20OR%20boots', 'category=electronics&sort=price_asc']) {
        const seen: number[] = []
        let url = `/api/products?limit=7&${query}`
        let prev: Page['items'][number] | undefined
        for (let pages = 0; pages < 50; pages++) {
          const page = await json(built, url)
          for (const p of page.items) {
            if (prev && query === 'sort=price_asc') assert.ok(prev.price.amount <= p.price.amount)
            if (prev && query === 'sort=price_desc') assert.ok(prev.price.amount >= p.price.amount)
            if (prev && query === 'sort=newest') assert.ok(prev.id > p.id)
            prev = p
            seen.push(p.id)
          }
          if (!page.nextCursor) break
          url = `/api/products?limit=7&${query}&cursor=${page.nextCursor}`
        }
        assert.equal(new Set(seen).size, seen.length, `${query}: no product twice`)
        const where = query.startsWith('q=')
          ? "search @@ catalog.search_query('lamp OR chair OR boots')"
          : query.startsWith('category=')
            ? "category_id in (select id from catalog.categories where slug = 'electronics' or parent_id = (select id from catalog.categories where slug = 'electronics'))"
            : 'true'
        const { rows } = await built.deps.db.query<{ n: number }>(`select count(*)::int as n from catalog.products where deleted_at is null and ${where}`)
        assert.equal(seen.length, rows[0]!.n, `${query}: every product once`)
        assert.ok(seen.length > 7, `${query}: more than one page`)
      }
    })

    test('full-text search finds by name and description, best match first', async (t) => {
      const built = await buildTestApp(t, { adapters })
      const { ids } = await seedProductFixture(built.deps.db)
      const page = await json(built, '/api/products?q=pan')
      // "pan" is in the skillet's description and the wok's; stemming matches "pans".
      assert.deepEqual(new Set(page.items.map((p) => p.id)), new Set([ids.skillet, ids.wok]))
      assert.deepEqual((await json(built, '/api/products?q=cast%20iron')).items.map((p) => p.id), [ids.skillet])
      assert.deepEqual((await json(built, '/api/products?q=%22copper%20kettle%22')).items.map((p) => p.id), [ids.kettle])
      assert.deepEqual((await json(built, '/api/products?q=zeppelin')).items, [])
      // Search syntax never reaches SQL as syntax: quotes, operators and stop words are safe.
      assert.equal((await get(built, "/api/products?q=%27%3B%20drop%20table%20x%3B%20--%20%26%7C!(")).statusCode, 200)
      assert.deepEqual((await json(built, '/api/products?q=the')).items, [])
    })

    test('a category filter includes its subcategories; price bounds are inclusive', async (t) => {
      const built = await buildTestApp(t, { adapters })
      const { ids } = await seedProductFixture(built.deps.db)
      const names = async (url: string) => (await json(built, url)).items.map((p) => p.id).sort((a, b) => a - b)
      const sorted = (...x: number[]) => x.sort((a, b) => a - b)
      assert.deepEqual(await names('/api/products?category=kitchen'), sorted(ids.skillet, ids.wok, ids.kettle))
      assert.deepEqual(await names('/api/products?category=home'), sorted(ids.skillet, ids.wok, ids.kettle, ids.lamp))
      assert.deepEqual(await names('/api/products?category=pans&maxPrice=3999'), [ids.skillet])
      assert.deepEqual(await names('/api/products?minPrice=2499&maxPrice=2999'), sorted(ids.lamp, ids.shovel))
      await expectError(built, '/api/products?category=toys', 404, 'CATEGORY_NOT_FOUND')
    })

    test('one product by id or by slug; unknown ones are 404', async (t) => {
      const built = await buildTestApp(t, { adapters })
      const { ids } = await seedProductFixture(built.deps.db)
      assert.equal((await json<{ slug: string }>(built, `/api/products/${ids.wok}`)).slug, 'carbon-steel-wok')
      assert.equal((await json<{ id: number }>(built, '/api/products/carbon-steel-wok')).id, ids.wok)
      await expectError(built, '/api/products/999999', 404, 'PRODUCT_NOT_FOUND')
      await expectError(built, '/api/products/no-such-thing', 404, 'PRODUCT_NOT_FOUND')
      await expectError(built, '/api/products/99999999999999999999', 404, 'PRODUCT_NOT_FOUND')
      await expectError(built, '/api/products/Bad_Slug!', 400, 'VALIDATION')
      await expectError(built, `/api/products/${'a'.repeat(300)}`, 414, 'URI_TOO_LONG')
    })

    test('a deleted product disappears from every list and lookup', async (t) => {
      const built = await buildTestApp(t, { adapters })
      const { ids } = await seedProductFixture(built.deps.db)
      const deps = productDeps(built)
      await json(built, `/api/products/${ids.wok}`)
      await catalog.deleteProduct(deps, ids.wok)
      await expectError(built, `/api/products/${ids.wok}`, 404, 'PRODUCT_NOT_FOUND')
      await expectError(built, '/api/products/carbon-steel-wok', 404, 'PRODUCT_NOT_FOUND')
      assert.ok(!(await json(built, '/api/products?limit=100')).items.some((p) => p.id === ids.wok))
    })

    test('bad query parameters get 400 with a stable code, never a 500', async (t) => {
      const built = await buildTestApp(t, { adapters })
      await seedProductFixture(built.deps.db)
      for (const q of ['limit=101', 'limit=0', 'limit=abc', 'limit=1.5', 'limit=1&limit=2', 'colour=red', 'sort=cheapest', 'minPrice=-1', 'maxPrice=1e99', `q=${'x'.repeat(201)}`, 'category=Not%20A%20Slug', 'cursor=']) {
        await expectError(built, `/api/products?${q}`, 400, 'VALIDATION')
      }
      await expectError(built, '/api/products?minPrice=500&maxPrice=100', 400, 'INVALID_PRICE_RANGE')
      await expectError(built, '/api/products?sort=relevance', 400, 'SORT_NEEDS_QUERY')
      await expectError(built, '/api/products?cursor=bm90LWEtY3Vyc29y', 400, 'INVALID_CURSOR')
      await expectError(built, '/api/products?cursor=%%%', 400, 'INVALID_CURSOR')
      const { nextCursor } = await json(built, '/api/products?limit=1&sort=price_asc')
      await expectError(built, `/api/products?limit=1&sort=price_desc&cursor=${nextCursor}`, 400, 'INVALID_CURSOR')
      await expectError(built, `/api/products?q=${'y'.repeat(5000)}`, 414, 'URI_TOO_LONG')
      await expectError(built, '/api/deals?limit=500', 400, 'VALIDATION')
      await expectError(built, '/api/recommendations?productId=abc', 400, 'VALIDATION')
      await expectError(built, '/api/nothing-here', 404, 'ROUTE_NOT_FOUND')
    })

    test('regression: forged cursors answered 500; they are 400 INVALID_CURSOR, and a cursor is good on every instance sharing CURSOR_SECRET', async (t) => {
      const secret = 'shared-cursor-secret-0123456789abcdef'
      const built = await buildTestApp(t, { adapters, env: { CURSOR_SECRET: secret } })
      await seedProductFixture(built.deps.db)
      // What the attacker sent: the old format, its check value an unkeyed SHA-256 anyone can compute.
      const old = (sort: string, k: number[], q: string | null = null) => {
        const f = createHash('sha256').update(JSON.stringify([sort, q, null, null, null])).digest('base64url').slice(0, 10)
        return Buffer.from(JSON.stringify({ s: sort, f, k })).toString('base64url')
      }
      // The same values, signed with the real secret (a leaked secret, an encoder bug): still refused.
      const signed = (sort: string, k: unknown[], q: string | null = null) => createCursorCodec(secret).encode(JSON.stringify(['catalog', sort, q, null, null, null]), k)
      for (const make of [old, signed]) {
        await expectError(built, `/api/products?sort=price_desc&cursor=${make('price_desc', [2147483648, 1])}`, 400, 'INVALID_CURSOR')
        await expectError(built, `/api/products?q=kettle&cursor=${make('relevance', [1e308, 1], 'kettle')}`, 400, 'INVALID_CURSOR')
        await expectError(built, `/api/products?q=kettle&cursor=${make('relevance', [-1e-320, 1], 'kettle')}`, 400, 'INVALID_CURSOR')
        await expectError(built, `/api/products?cursor=${make('newest', [2 ** 63])}`, 400, 'INVALID_CURSOR')
      }
      const { nextCursor } = await json(built, '/api/products?limit=1&sort=price_asc')
      const twin = await buildTestApp(t, { adapters, env: { CURSOR_SECRET: secret } })
      await seedProductFixture(twin.deps.db)
      assert.equal((await get(twin, `/api/products?limit=1&sort=price_asc&cursor=${nextCursor}`)).statusCode, 200)
      const stranger = await buildTestApp(t, { adapters, env: { CURSOR_SECRET: 'another-cursor-secret-0123456789abc' } })
      await expectError(stranger, `/api/products?limit=1&sort=price_asc&cursor=${nextCursor}`, 400, 'INVALID_CURSOR')
    })

    test('categories come as a tree with counts that include subcategories', async (t) => {
      const built = await buildTestApp(t, { adapters })
      await seedProductFixture(built.deps.db)
      const { items } = await json<{ items: any[] }>(built, '/api/categories')
      assert.deepEqual(items.map((c) => [c.slug, c.productCount]), [['home', 4], ['garden', 2]])
      assert.deepEqual(items[0].children[0].children.map((c: any) => [c.slug, c.productCount]), [['pans', 2]])
    })

    test('deals list only running deals, biggest discount first, with the sale price applied', async (t) => {
      const built = await buildTestApp(t, { adapters })
      const { ids } = await seedProductFixture(built.deps.db)
      const deps = productDeps(built)
      const day = 86_400_000
      const now = Date.now()
      await catalog.createDeal(deps, { productId: ids.kettle, title: 'Kettle week', discountPercent: 20, startsAt: new Date(now - day), endsAt: new Date(now + day) })
      await catalog.createDeal(deps, { productId: ids.hose, title: 'Hose days', discountPercent: 30, startsAt: new Date(now - day), endsAt: new Date(now + day) })
      await catalog.createDeal(deps, { productId: ids.lamp, title: 'Over', discountPercent: 50, startsAt: new Date(now - 2 * day), endsAt: new Date(now - day) })
      await catalog.createDeal(deps, { productId: ids.wok, title: 'Soon', discountPercent: 40, startsAt: new Date(now + day), endsAt: new Date(now + 2 * day) })
      const { items } = await json<{ items: any[] }>(built, '/api/deals')
      assert.deepEqual(items.map((p) => [p.id, p.deal.discountPercent, p.salePrice.amount]), [
        [ids.hose, 30, 1399],
        [ids.kettle, 20, 7199],
      ])
      assert.equal((await json<any>(built, `/api/products/${ids.kettle}`)).salePrice.amount, 7199)
      assert.equal((await json<any>(built, `/api/products/${ids.lamp}`)).deal, null)
      await assert.rejects(
        catalog.createDeal(deps, { productId: ids.lamp, title: 'x', discountPercent: 10, startsAt: new Date(now), endsAt: new Date(now - 1) }),
        (e: any) => e.code === 'INVALID_DEAL_PERIOD',
      )
    })

    test('recommendations are best sellers of the same category, the product excluded', async (t) => {
      const built = await buildTestApp(t, { adapters })
      const { ids } = await seedProductFixture(built.deps.db)
      await built.deps.db.query('update catalog.products set popularity = $2 where id = $1', [ids.hose, 50])
      await built.deps.db.query('update catalog.products set popularity = $2 where id = $1', [ids.skillet, 70])
      await built.deps.db.query('update catalog.products set popularity = $2 where id = $1', [ids.wok, 10])
      const forShovel = await json<any>(built, `/api/recommendations?productId=${ids.shovel}`)
      assert.deepEqual(forShovel.items.map((p: any) => p.id), [ids.hose])
      const forWok = await json<any>(built, `/api/recommendations?productId=${ids.wok}`)
      assert.deepEqual(forWok.items.map((p: any) => p.id), [ids.skillet])
      const home = await json<any>(built, '/api/recommendations?limit=2')
      assert.deepEqual(home.items.map((p: any) => p.id), [ids.skillet, ids.hose])
      await expectError(built, '/api/recommendations?productId=424242', 404, 'PRODUCT_NOT_FOUND')
    })

    test('answers carry an ETag; a matching If-None-Match gets 304 without a body', async (t) => {
      const built = await buildTestApp(t, { adapters })
      await seedProductFixture(built.deps.db)
      const first = await get(built, '/api/products?limit=5')
      const etag = first.headers.etag as string
      assert.match(etag, /^W\/".+"$/)
      assert.match(first.headers['cache-control'] as string, /s-maxage=\d+/)
      const again = await get(built, '/api/products?limit=5', { 'if-none-match': etag })
      assert.equal(again.statusCode, 304)
      assert.equal(again.body, '')
      assert.equal((await get(built, '/api/products?limit=5', { 'if-none-match': 'W/"other"' })).statusCode, 200)
    })

    test('a write is visible to the very next read (no stale cache)', async (t) => {
      const built = await buildTestApp(t, { adapters })
      const { ids, categories } = await seedProductFixture(built.deps.db)
      const deps = productDeps(built)
      const before = await json<any>(built, `/api/products/${ids.lamp}`)
      await json(built, '/api/products?category=home')
      await json(built, '/api/categories')
      await catalog.updateProduct(deps, ids.lamp, { priceAmount: 3499, name: 'Brass Reading Lamp' })
      const after = await json<any>(built, `/api/products/${ids.lamp}`)
      assert.equal(before.price.amount, 2999)
      assert.equal(after.price.amount, 3499)
      assert.equal((await json(built, '/api/products?category=home')).items.find((p) => p.id === ids.lamp)!.name, 'Brass Reading Lamp')
      const created = await catalog.createProduct(deps, {
        slug: 'garden-gnome', name: 'Garden Gnome', description: '', priceAmount: 999, currency: 'USD',
        categoryId: categories.garden, attributes: {}, stock: 3, images: [],
      })
      assert.equal((await json<any>(built, '/api/categories')).items[1].productCount, 3)
      assert.equal((await json(built, '/api/products?limit=1')).items[0]!.id, created.id)
      await catalog.setStock(deps, ids.shovel, 7)
      assert.equal((await json<any>(built, `/api/products/${ids.shovel}`)).stock, 7)
    })

    test('writes with clashing or invalid values are refused with stable codes', async (t) => {
      const built = await buildTestApp(t, { adapters })
      const { ids, categories } = await seedProductFixture(built.deps.db)
      const deps = productDeps(built)
      const base = { name: 'X', description: '', priceAmount: 1, currency: 'USD', categoryId: categories.garden, attributes: {}, stock: 1, images: [] }
      await assert.rejects(catalog.createProduct(deps, { ...base, slug: 'garden-hose' }), (e: any) => e.code === 'SLUG_TAKEN' && e.status === 409)
      await assert.rejects(catalog.setStock(deps, ids.hose, -1), (e: any) => e.code === 'INVALID_VALUE')
      await assert.rejects(catalog.updateCategory(deps, categories.home, { parentId: categories.pans }), (e: any) => e.code === 'CATEGORY_CYCLE')
      await assert.rejects(catalog.deleteCategory(deps, categories.garden), (e: any) => e.code === 'CATEGORY_IN_USE_OR_MISSING')
      await assert.rejects(catalog.updateProduct(deps, 999999, { name: 'y' }), (e: any) => e.code === 'PRODUCT_NOT_FOUND')
      assert.equal((await store.findProductById(built.deps.db, ids.hose))!.stock, 10)
    })

    test('the cache counts hits and misses in /metrics', async (t) => {
      const built = await buildTestApp(t, { adapters })
      await seedProductFixture(built.deps.db)
      await get(built, '/api/products?limit=2')
      await get(built, '/api/products?limit=2')
      const metrics = (await get(built, '/metrics', METRICS_AUTH)).body
      assert.match(metrics, /cache_requests_total\{cache="catalog:products",result="miss",service="emporium"\} 1/)
      assert.match(metrics, /cache_requests_total\{cache="catalog:products",result="hit",service="emporium"\} 1/)
      assert.match(metrics, /http_request_duration_seconds_count\{service="emporium",method="GET",route="\/api\/products",status_code="200"\} 2/)
    })

    test('the rate limit answers 429 after the configured number of requests; health is exempt', async (t) => {
      const built = await buildTestApp(t, { adapters, env: { PRODUCT_RATE_LIMIT_MAX: '5' } })
      for (let i = 0; i < 5; i++) assert.equal((await get(built, '/api/categories')).statusCode, 200)
      const res = await get(built, '/api/products')
      assert.equal(res.statusCode, 429)
      assert.equal(res.json().error.code, 'RATE_LIMITED')
      assert.ok(Number(res.headers['retry-after']) > 0)
      assert.equal((await get(built, '/api/products/health')).statusCode, 200)
    })

    test('health reports the dependencies it checked', async (t) => {
      const built = await buildTestApp(t, { adapters })
      const res = await json<any>(built, '/api/products/health')
      assert.equal(res.status, 'ok')
      assert.equal(res.checks.database, 'ok')
      if (adapters === 'real') assert.equal(res.checks.redis, 'ok')
      assert.equal((await json<any>(built, '/health')).status, 'ok')
      assert.equal((await json<any>(built, '/health/live')).status, 'ok')
    })
  })
}

describe('catalog API (real, two instances sharing PostgreSQL and Redis)', () => {
  test('a write through one instance is seen by the other at once', async (t) => {
    const a = await buildTestApp(t, { adapters: 'real' })
    const b = await buildTestApp(t, {
      adapters: 'real',
      env: sameShopAs(a),
    })
    const { ids } = await seedProductFixture(a.deps.db)
    assert.equal((await json<any>(a, `/api/products/${ids.wok}`)).price.amount, 5999)
    assert.equal((await json<any>(b, `/api/products/${ids.wok}`)).price.amount, 5999)
    await catalog.updateProduct(productDeps(b), ids.wok, { priceAmount: 4999 })
    assert.equal((await json<any>(a, `/api/products/${ids.wok}`)).price.amount, 4999)
  })

  test('with local copies, a write or a stock change through one instance is seen by the other at once', async (t) => {
    const env = { CACHE_LOCAL_MAX_MB: '4' }
    const a = await buildTestApp(t, { adapters: 'real', env })
    const b = await buildTestApp(t, {
      adapters: 'real',
      env: { ...env, ...sameShopAs(a) },
    })
    const { ids } = await seedProductFixture(a.deps.db)
    const wokOn = async (app: BuiltApp) => (await json(app, '/api/products?limit=20')).items.find((p) => p.id === ids.wok)!
    // Both instances read twice: the second read of each is answered from its local copy.
    for (const app of [a, b, a, b]) assert.equal((await wokOn(app)).price.amount, 5999)
    for (const app of [a, b, a, b]) assert.equal((await json<any>(app, `/api/products/${ids.wok}`)).stock, 10)

    await catalog.updateProduct(productDeps(b), ids.wok, { priceAmount: 4999 })
    assert.equal((await wokOn(a)).price.amount, 4999)

    // A stock change drops only the product's page entries (no new generation): still seen at once.
    for (const app of [a, b, a]) assert.equal((await json<any>(app, `/api/products/${ids.wok}`)).stock, 10)
    await reserveStock(productDeps(b), randomUUID(), [{ productId: ids.wok, quantity: 3 }], 600)
    assert.equal((await json<any>(a, `/api/products/${ids.wok}`)).stock, 7)
  })
})
