import type { BuiltApp } from '../../src/app.js'
import type { Db } from '../../src/platform/db/db.js'
import type { ProductDeps } from '../../src/services/product/product.js'
import { productDepsOf, productService } from '../../src/services/product/index.js'
import * as categories from '../../src/services/product/category-store.js'
import * as store from '../../src/services/product/product-store.js'

/**
 * A small catalog with known names and prices:
 *   home > kitchen > pans, garden (roots: home, garden)
 */
export async function seedProductFixture(db: Db) {
  const home = await categories.insertCategory(db, { slug: 'home', name: 'Home', parentId: null, position: 0 })
  const kitchen = await categories.insertCategory(db, { slug: 'kitchen', name: 'Kitchen', parentId: home, position: 0 })
  const pans = await categories.insertCategory(db, { slug: 'pans', name: 'Pans', parentId: kitchen, position: 0 })
  const garden = await categories.insertCategory(db, { slug: 'garden', name: 'Garden', parentId: null, position: 1 })
  const product = (slug: string, name: string, priceAmount: number, categoryId: number, description = '', stock = 10) =>
    store.insertProduct(db, { slug, name, description, priceAmount, currency: 'USD', categoryId, attributes: {}, stock, images: [] })
  const ids = {
    skillet: await product('cast-iron-skillet', 'Cast Iron Skillet', 3999, pans, 'A heavy cast iron pan that lasts a lifetime'),
    wok: await product('carbon-steel-wok', 'Carbon Steel Wok', 5999, pans, 'A light pan for stir frying'),
    kettle: await product('copper-kettle', 'Copper Kettle', 8999, kitchen, 'Boils water fast on any stove'),
    lamp: await product('reading-lamp', 'Reading Lamp', 2999, home, 'Warm light for reading'),
    shovel: await product('steel-shovel', 'Steel Shovel', 2499, garden, 'Digs through anything', 0),
    hose: await product('garden-hose', 'Garden Hose', 1999, garden, 'Twenty metres of flexible hose'),
  }
  return { categories: { home, kitchen, pans, garden }, ids }
}

/** The catalog's deps of a built app, as its product service has them: for tests that write through product.ts. */
export function productDeps(built: BuiltApp): ProductDeps {
  return productDepsOf(built.deps, productService.settings(built.config))
}

/** The id of a product's first variant (its default one, for a product without options). */
export async function defaultVariantId(db: Db, productId: number): Promise<number> {
  const { rows } = await db.query<{ id: number }>('select id from catalog.variants where product_id = $1 order by id limit 1', [productId])
  return Number(rows[0]!.id)
}
