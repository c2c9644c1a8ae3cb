import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import type { BuiltApp } from '../../src/app.js'
import * as catalog from '../../src/services/product/catalog-admin.js'
import { buildTestApp } from '../helpers/build-app.js'
import { productDeps, seedProductFixture } from '../helpers/product-fixture.js'

type Page = { items: { id: number; name: string }[]; nextCursor: string | null; correctedQuery?: string }
type Suggestions = { items: { name: string; slug: string }[]; correctedQuery?: string }

async function json<T>(built: BuiltApp, url: string): Promise<T> {
  const res = await built.app.inject({ method: 'GET', url })
  assert.equal(res.statusCode, 200, `${url}: ${res.body}`)
  return res.json() as T
}

const names = (page: { items: { name: string }[] }) => page.items.map((p) => p.name)

for (const adapters of ['embedded', 'real'] as const) {
  describe(`catalog search as a shop's (${adapters})`, () => {
    test('the last word matches as a prefix while the customer types', async (t) => {
      const built = await buildTestApp(t, { adapters })
      await seedProductFixture(built.deps.db)
      assert.deepEqual(names(await json<Page>(built, '/api/products?q=skil')), ['Cast Iron Skillet'])
      assert.deepEqual(names(await json<Page>(built, '/api/products?q=cast%20iro')), ['Cast Iron Skillet'])
      assert.deepEqual(names(await json<Page>(built, '/api/products?q=copper%20ket')), ['Copper Kettle'])
      // Not after a space, a quote, or for a word of one or two letters.
      assert.deepEqual(names(await json<Page>(built, '/api/products?q=%22skil%22')), [])
      assert.deepEqual(names(await json<Page>(built, '/api/products?q=skil%20')), [])
    })

    test('a query that finds nothing as typed is corrected to the words of product names', async (t) => {
      const built = await buildTestApp(t, { adapters })
      await seedProductFixture(built.deps.db)
      const typo = await json<Page>(built, '/api/products?q=skilet')
      assert.deepEqual(names(typo), ['Cast Iron Skillet'])
      assert.equal(typo.correctedQuery, 'skillet')
      const two = await json<Page>(built, '/api/products?q=coper%20kettel')
      assert.deepEqual(names(two), ['Copper Kettle'])
      assert.equal(two.correctedQuery, 'copper kettle')
      // A query that found something is never "corrected"; nonsense stays without results.
      assert.equal((await json<Page>(built, '/api/products?q=skillet')).correctedQuery, undefined)
      const nonsense = await json<Page>(built, '/api/products?q=qqxqzz')
      assert.deepEqual(nonsense.items, [])
      assert.equal(nonsense.correctedQuery, undefined)
    })

    test('a new product name teaches the correction its words', async (t) => {
      const built = await buildTestApp(t, { adapters })
      const fixture = await seedProductFixture(built.deps.db)
      assert.deepEqual((await json<Page>(built, '/api/products?q=bambu%20whisk')).items, [])
      await catalog.createProduct(productDeps(built), {
        slug: 'bamboo-whisk', name: 'Bamboo Whisk', description: '', priceAmount: 899, currency: 'USD',
        categoryId: fixture.categories.kitchen, attributes: {}, stock: 3, images: [],
      })
      const page = await json<Page>(built, '/api/products?q=bambu%20whisk')
      assert.deepEqual(names(page), ['Bamboo Whisk'])
      assert.equal(page.correctedQuery, 'bamboo whisk')
    })

    test('suggestions answer names and slugs of matching products, best sellers first, cached with an ETag', async (t) => {
      const built = await buildTestApp(t, { adapters })
      const { ids } = await seedProductFixture(built.deps.db)
      await built.deps.db.query('update catalog.products set popularity = 5 where id = $1', [ids.shovel])
      const url = '/api/products/suggestions?q=stee'
      const first = await built.app.inject({ method: 'GET', url })
      assert.equal(first.statusCode, 200)
      assert.deepEqual(first.json(), {
        items: [
          { name: 'Steel Shovel', slug: 'steel-shovel' },
          { name: 'Carbon Steel Wok', slug: 'carbon-steel-wok' },
        ],
      })
      const etag = String(first.headers.etag)
      assert.equal((await built.app.inject({ method: 'GET', url, headers: { 'if-none-match': etag } })).statusCode, 304)
      // A rename is a write: the cached suggestions are gone before it returns.
      await catalog.updateProduct(productDeps(built), ids.shovel, { name: 'Steel Spade' })
      assert.deepEqual(names(await json<Suggestions>(built, url)), ['Steel Spade', 'Carbon Steel Wok'])
      assert.deepEqual((await json<Suggestions>(built, '/api/products/suggestions?q=stee&limit=1')).items, [{ name: 'Steel Spade', slug: 'steel-shovel' }])
    })

    test('suggestions correct a typo and refuse a query too short, too long or with unknown parameters', async (t) => {
      const built = await buildTestApp(t, { adapters })
      await seedProductFixture(built.deps.db)
      const typo = await json<Suggestions>(built, '/api/products/suggestions?q=shovle')
      assert.deepEqual(names(typo), ['Steel Shovel'])
      assert.equal(typo.correctedQuery, 'shovel')
      for (const q of ['q=s', `q=${'x'.repeat(101)}`, 'q=steel&limit=21', 'q=steel&limit=0', 'q=steel&sort=newest', '']) {
        const res = await built.app.inject({ method: 'GET', url: `/api/products/suggestions?${q}` })
        assert.equal(res.statusCode, 400, `${q}: ${res.body}`)
        assert.equal(res.json().error.code, 'VALIDATION')
      }
    })
  })
}
