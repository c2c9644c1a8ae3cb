import { readFileSync } from 'node:fs'
import type { Db, Queryable } from '../../platform/db/db.js'
import * as categories from './category-store.js'
import * as store from './demo-store.js'

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
  await seedDemoCatalog(db, count)
  return true
}
