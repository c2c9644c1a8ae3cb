import { readFileSync } from 'node:fs'
import type { Db, Queryable } from '../../platform/db/db.js'
import * as categories from './category-store.js'
import * as store from './demo-store.js'
import * as products from './product-store.js'
import * as variants from './variant-store.js'

interface DemoData {
  tree: { slug: string; name: string; children: { slug: string; name: string; nouns: string[]; price: [number, number] }[] }[]
  adjectives: string[]
  materials: string[]
  colors: string[]
  brands: string[]
  features: string[]
}

/** The demo shop's categories and vocabulary: data, in demo-data.json (copied next to the build by copy-assets). */
let demoData: DemoData | undefined
function loadDemoData(): DemoData {
  if (demoData) return demoData
  const parsed: DemoData = JSON.parse(readFileSync(new URL('./demo-data.json', import.meta.url), 'utf8'))
  demoData = parsed
  return parsed
}

/** Creates the category tree if it is missing; returns the vocabulary for generated products. */
export async function ensureDemoCategories(db: Queryable): Promise<store.SeedVocabulary> {
  const { tree, adjectives, materials, colors, brands, features } = loadDemoData()
  const ids = await store.findCategoryIdsBySlug(db)
  let position = 0
  for (const top of tree) {
    let topId = ids.get(top.slug)
    if (topId === undefined) {
      topId = await categories.insertCategory(db, { slug: top.slug, name: top.name, parentId: null, position })
      ids.set(top.slug, topId)
    }
    position++
    for (const [i, leaf] of top.children.entries()) {
      if (!ids.has(leaf.slug)) ids.set(leaf.slug, await categories.insertCategory(db, { slug: leaf.slug, name: leaf.name, parentId: topId, position: i }))
    }
  }
  const leaves = tree.flatMap((t) => t.children)
  return {
    leafIds: leaves.map((l) => ids.get(l.slug)!),
    nouns: leaves.map((l) => l.nouns),
    minPrice: leaves.map((l) => l.price[0]),
    maxPrice: leaves.map((l) => l.price[1]),
    adjectives,
    materials,
    colors,
    brands,
    features,
  }
}

export interface SeedProgress {
  (done: number, total: number): void
}

/**
 * Adds `count` generated products (and deals on every 40th) in batches of
 * `batchSize`, one statement per batch. Safe to run again: numbering continues.
 */
export async function seedDemoCatalog(db: Db, count: number, options: { batchSize?: number; onProgress?: SeedProgress } = {}) {
  const batch = options.batchSize ?? 10_000
  const vocabulary = await ensureDemoCategories(db)
  const first = await store.nextProductNumber(db)
  const last = first + count - 1
  for (let from = first; from <= last; from += batch) {
    const to = Math.min(last, from + batch - 1)
    await db.transaction(async (tx) => {
      await store.insertDemoProducts(tx, from, to, vocabulary, last)
      await store.insertDemoDeals(tx, from, to)
    })
    options.onProgress?.(to - first + 1, count)
  }
  // Merge what the search index still holds in its pending list: searches need not scan it.
  await db.query("select gin_clean_pending_list('catalog.products_search'::regclass)")
  await db.exec('analyze catalog.products; analyze catalog.deals; analyze catalog.categories')
  return { first, last }
}

const JACKET_SIZES = ['S', 'M', 'L', 'XL']
const JACKET_COLOURS = ['Black', 'Olive', 'Navy']

/**
 * The demo product with options: a jacket in Size × Colour, each variant with its
 * SKU, stock and weight, XL dearer, one sold out. One transaction.
 */
export async function seedDemoVariants(db: Db): Promise<number> {
  return db.transaction(async (tx) => {
    const categoryId = (await store.findCategoryIdsBySlug(tx)).get('jackets') ?? null
    const id = await products.insertProduct(tx, {
      slug: 'emporium-hooded-rain-jacket',
      name: 'Emporium Hooded Rain Jacket',
      description: 'A light, packable waterproof jacket with taped seams and an adjustable hood. Choose your size and colour.',
      priceAmount: 8900,
      currency: 'USD',
      categoryId,
      attributes: { brand: 'Emporium', material: 'Recycled nylon', color: 'Black, Olive, Navy' },
      stock: 0,
      images: [],
    })
    await store.markNeedsDemoImage(tx, id)
    await variants.setOptions(tx, id, [
      { name: 'Size', values: JACKET_SIZES },
      { name: 'Colour', values: JACKET_COLOURS },
    ])
    const [first] = await variants.listVariants(tx, [id])
    let n = 0
    for (const size of JACKET_SIZES) {
      for (const colour of JACKET_COLOURS) {
        const options = { Size: size, Colour: colour }
        const v = { sku: `EMP-RAIN-${size}-${colour.toUpperCase()}`, priceAmount: size === 'XL' ? 9400 : null, weightGrams: 380 + 40 * JACKET_SIZES.indexOf(size) }
        // Some sell out: the storefront shows them disabled.
        const stock = n % 5 === 4 ? 0 : 3 + ((n * 7) % 11)
        if (n === 0) {
          // The product's default variant becomes the first combination.
          await variants.setOptionValues(tx, [{ id: first!.id, options }])
          await variants.updateVariant(tx, id, first!.id, v)
          await variants.setVariantStock(tx, id, first!.id, stock)
        } else {
          await variants.insertVariant(tx, id, { ...v, options, stock })
        }
        n++
      }
    }
    return id
  })
}

/** On start-up: an empty catalog gets `count` demo products, once, even with several instances starting. */
export async function seedIfEmpty(db: Db, count: number): Promise<boolean> {
  if (count === 0) return false
  const claimed = await store.withSeedLock(db, async (tx) => {
    const { rows } = await tx.query<{ n: number }>('select count(*)::int as n from catalog.categories')
    if (rows[0]!.n > 0) return false
    // Claim: once the categories exist, every other instance sees a seeded catalog.
    await ensureDemoCategories(tx)
    return true
  })
  if (!claimed) return false
  // One of them is the product with options (the oldest, so lists show the generated ones first).
  await seedDemoVariants(db)
  if (count > 1) await seedDemoCatalog(db, count - 1)
  return true
}
