import assert from 'node:assert/strict'
import { access } from 'node:fs/promises'
import path from 'node:path'
import { describe, test } from 'node:test'
import { productService } from '../../src/services/product/index.js'
import { imagesDirOf } from '../../src/services/product/images/config.js'
import { variantFileOf } from '../../src/services/product/images/variants.js'
import { buildTestApp } from '../helpers/build-app.js'
import { until } from '../helpers/events.js'
import { IMAGE_TEST_ENV } from '../helpers/product-images-fixture.js'
import { tokenMinter } from '../helpers/token-minter.js'

interface Shown {
  id: number
  slug: string
  name: string
  category: { slug: string }
  images: { alt: string; variants: { jpeg: { url: string }[] } }[]
}

for (const adapters of ['embedded', 'real'] as const) {
  describe(`demo pictures (${adapters})`, () => {
    test('the seeded demo products get a picture of their category in the background; products an admin adds do not', async (t) => {
      const minter = await tokenMinter()
      const built = await buildTestApp(t, { adapters, env: { SEED_DEMO_PRODUCTS: '3', JWT_SECRET: minter.secret, ...IMAGE_TEST_ENV } })
      const imagesDir = imagesDirOf(productService.settings(built.config))
      const list = async () => (await built.app.inject({ method: 'GET', url: '/api/products?limit=100' })).json<{ items: Shown[] }>().items
      const seeded = await list()
      assert.equal(seeded.length, 3)

      const created = await built.app.inject({
        method: 'POST',
        url: '/api/products',
        headers: (await minter.admin()).headers,
        payload: { slug: 'admin-made', name: 'Admin made', price: { amount: 100, currency: 'USD' }, categoryId: (await categoryId(built, seeded[0]!.category.slug)) },
      })
      assert.equal(created.statusCode, 201, created.body)

      const shown = await until('every demo product shows a picture', async () => {
        const items = (await list()).filter((p) => p.id !== created.json<{ id: number }>().id)
        return items.every((p) => p.images.length === 1) ? items : undefined
      }, 180_000, 250)
      for (const p of shown) {
        assert.equal(p.images[0]!.alt, p.name)
        const url = p.images[0]!.variants.jpeg[0]!.url
        const hash = url.split('/')[3]!
        await access(path.join(imagesDir, variantFileOf(hash, 200, 'jpeg')))
      }
      // The same category and colourway share one picture; a category's two colourways differ.
      const { rows } = await built.deps.db.query<{ n: number; waiting: number }>(
        'select count(*)::int as n, count(*) filter (where needs_demo_image)::int as waiting from catalog.products',
      )
      assert.deepEqual(rows[0], { n: 4, waiting: 0 }, 'no demo product waits any more, and the admin product never did')
      const mine = (await list()).find((p) => p.slug === 'admin-made')
      assert.deepEqual(mine?.images, [])
    })
  })
}

async function categoryId(built: Awaited<ReturnType<typeof buildTestApp>>, slug: string): Promise<number> {
  const { rows } = await built.deps.db.query<{ id: number }>('select id from catalog.categories where slug = $1', [slug])
  return rows[0]!.id
}
