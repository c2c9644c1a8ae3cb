import * as categories from './category-store.js'
import type { CategoryInput } from './category-store.js'
import { categoryCycle, categoryNotFound, dealNotFound, invalidDealPeriod, productNotFound } from './errors.js'
import { write } from './catalog-write.js'
import { loadProduct, NS, type Product, type ProductDeps } from './product.js'
import * as store from './product-store.js'
import { setOnlyVariantStock } from './product-variants.js'

/**
 * The catalog's writes (the admin routes): each runs, has its database errors
 * turned into the API's, then makes the caches it touched stale before it returns.
 */

const ALL_NS = Object.values(NS)

export async function createProduct(deps: ProductDeps, input: store.ProductInput): Promise<Product> {
  // The database gives it its default variant (migration 005), with the stock.
  const id = await write(deps, ALL_NS, () => store.insertProduct(deps.db, input))
  return (await loadProduct(deps.db, deps.imagesBaseUrl, id))!
}

export async function updateProduct(deps: ProductDeps, id: number, patch: Partial<store.ProductInput>): Promise<Product> {
  const { stock, ...rest } = patch
  const found = await write(deps, ALL_NS, () =>
    deps.db.transaction(async (tx) => {
      // Stock is its only variant's (refused for several): in the same transaction, so nothing is half-written.
      if (stock !== undefined) await setOnlyVariantStock(tx, id, stock)
      return store.updateProduct(tx, id, rest)
    }),
  )
  if (!found) throw productNotFound(id)
  return (await loadProduct(deps.db, deps.imagesBaseUrl, id))!
}

export async function deleteProduct(deps: ProductDeps, id: number): Promise<void> {
  if (!(await write(deps, ALL_NS, () => store.softDeleteProduct(deps.db, id)))) throw productNotFound(id)
}

/** The stock of a product sold as one variant; VARIANT_REQUIRED for one with several. */
export async function setStock(deps: ProductDeps, id: number, stock: number): Promise<Product> {
  await write(deps, [NS.products, NS.deals, NS.recommendations], () => deps.db.transaction((tx) => setOnlyVariantStock(tx, id, stock)))
  return (await loadProduct(deps.db, deps.imagesBaseUrl, id))!
}

export async function createCategory(deps: ProductDeps, input: CategoryInput): Promise<number> {
  return write(deps, ALL_NS, () => categories.insertCategory(deps.db, input))
}

export async function updateCategory(deps: ProductDeps, id: number, patch: Partial<CategoryInput>): Promise<void> {
  const found = await write(deps, ALL_NS, () =>
    deps.db.transaction(async (tx) => {
      if (patch.parentId != null && (patch.parentId === id || (await categories.isDescendant(tx, patch.parentId, id)))) {
        throw categoryCycle()
      }
      return categories.updateCategory(tx, id, patch)
    }),
  )
  if (!found) throw categoryNotFound(id)
}

export async function deleteCategory(deps: ProductDeps, id: number): Promise<void> {
  if (!(await write(deps, ALL_NS, () => categories.deleteCategory(deps.db, id)))) throw categoryNotFound(id)
}

export async function createDeal(deps: ProductDeps, input: store.DealInput): Promise<number> {
  if (input.endsAt <= input.startsAt) throw invalidDealPeriod()
  return write(deps, [NS.products, NS.deals, NS.recommendations], () => store.insertDeal(deps.db, input))
}

export async function deleteDeal(deps: ProductDeps, id: number): Promise<void> {
  if (!(await write(deps, [NS.products, NS.deals, NS.recommendations], () => store.deleteDeal(deps.db, id)))) {
    throw dealNotFound(id)
  }
}
