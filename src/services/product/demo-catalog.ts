import type { Db, Queryable } from '../../platform/db/db.js'
import * as categories from './category-store.js'
import * as store from './demo-store.js'

/** The demo shop: a category tree with nouns and price ranges per leaf (minor units, USD). */
const TREE: { slug: string; name: string; children: { slug: string; name: string; nouns: string[]; price: [number, number] }[] }[] = [
  {
    slug: 'electronics',
    name: 'Electronics',
    children: [
      { slug: 'laptops', name: 'Laptops', nouns: ['Laptop', 'Notebook', 'Ultrabook', 'Chromebook'], price: [29900, 249900] },
      { slug: 'phones', name: 'Phones', nouns: ['Smartphone', 'Phone', 'Flip Phone', 'Phone Case'], price: [1500, 129900] },
      { slug: 'audio', name: 'Audio', nouns: ['Headphones', 'Earbuds', 'Speaker', 'Soundbar'], price: [1900, 59900] },
      { slug: 'cameras', name: 'Cameras', nouns: ['Camera', 'Action Camera', 'Lens', 'Tripod'], price: [2900, 199900] },
    ],
  },
  {
    slug: 'home-kitchen',
    name: 'Home & Kitchen',
    children: [
      { slug: 'cookware', name: 'Cookware', nouns: ['Frying Pan', 'Saucepan', 'Dutch Oven', 'Wok'], price: [1500, 34900] },
      { slug: 'furniture', name: 'Furniture', nouns: ['Chair', 'Desk', 'Bookshelf', 'Sofa'], price: [4900, 189900] },
      { slug: 'bedding', name: 'Bedding', nouns: ['Duvet', 'Pillow', 'Sheet Set', 'Blanket'], price: [1900, 29900] },
      { slug: 'lighting', name: 'Lighting', nouns: ['Desk Lamp', 'Floor Lamp', 'Pendant Light', 'String Lights'], price: [1200, 39900] },
    ],
  },
  {
    slug: 'fashion',
    name: 'Fashion',
    children: [
      { slug: 'shoes', name: 'Shoes', nouns: ['Sneakers', 'Boots', 'Sandals', 'Loafers'], price: [2900, 29900] },
      { slug: 'jackets', name: 'Jackets', nouns: ['Jacket', 'Raincoat', 'Parka', 'Vest'], price: [3900, 49900] },
      { slug: 'bags', name: 'Bags', nouns: ['Backpack', 'Tote Bag', 'Duffel Bag', 'Wallet'], price: [1500, 39900] },
      { slug: 'watches', name: 'Watches', nouns: ['Watch', 'Smartwatch', 'Chronograph', 'Watch Strap'], price: [2500, 99900] },
    ],
  },
  {
    slug: 'sports-outdoors',
    name: 'Sports & Outdoors',
    children: [
      { slug: 'camping', name: 'Camping', nouns: ['Tent', 'Sleeping Bag', 'Camp Stove', 'Lantern'], price: [1900, 79900] },
      { slug: 'fitness', name: 'Fitness', nouns: ['Yoga Mat', 'Dumbbell Set', 'Kettlebell', 'Jump Rope'], price: [900, 49900] },
      { slug: 'cycling', name: 'Cycling', nouns: ['Bike Helmet', 'Bike Light', 'Saddle', 'Bike Lock'], price: [1500, 39900] },
    ],
  },
  {
    slug: 'books-media',
    name: 'Books & Media',
    children: [
      { slug: 'books', name: 'Books', nouns: ['Cookbook', 'Novel', 'Field Guide', 'Notebook Journal'], price: [900, 5900] },
      { slug: 'games', name: 'Games', nouns: ['Board Game', 'Puzzle', 'Card Game', 'Game Controller'], price: [1200, 19900] },
    ],
  },
]

const ADJECTIVES = ['Classic', 'Compact', 'Deluxe', 'Ergonomic', 'Essential', 'Everyday', 'Lightweight', 'Modern', 'Portable', 'Premium', 'Rugged', 'Sleek', 'Smart', 'Ultra', 'Vintage', 'Wireless', 'Handcrafted', 'Eco', 'Pro', 'Travel']
const MATERIALS = ['Aluminum', 'Bamboo', 'Canvas', 'Carbon', 'Ceramic', 'Cotton', 'Leather', 'Linen', 'Oak', 'Recycled', 'Steel', 'Titanium', 'Walnut', 'Wool', 'Nylon', 'Glass']
const COLORS = ['Black', 'White', 'Graphite', 'Navy', 'Forest Green', 'Sand', 'Red', 'Sky Blue', 'Olive', 'Charcoal', 'Burgundy', 'Silver']
const BRANDS = ['Northwind', 'Acme', 'Lumen', 'Fjord', 'Kestrel', 'Orbit', 'Summit', 'Harbor', 'Nimbus', 'Atlas', 'Verde', 'Copperline']
const FEATURES = [
  'Built to last with a two-year warranty',
  'Designed for daily use at home or on the road',
  'Ships in plastic-free packaging',
  'Rated five stars by thousands of customers',
  'Easy to clean and quick to set up',
  'Tested for durability in demanding conditions',
  'Pairs well with the rest of the collection',
  'Water resistant and made for the outdoors',
]

/** Creates the category tree if it is missing; returns the vocabulary for generated products. */
export async function ensureDemoCategories(db: Queryable): Promise<store.SeedVocabulary> {
  const ids = await store.findCategoryIdsBySlug(db)
  let position = 0
  for (const top of TREE) {
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
  const leaves = TREE.flatMap((t) => t.children)
  return {
    leafIds: leaves.map((l) => ids.get(l.slug)!),
    nouns: leaves.map((l) => l.nouns),
    minPrice: leaves.map((l) => l.price[0]),
    maxPrice: leaves.map((l) => l.price[1]),
    adjectives: ADJECTIVES,
    materials: MATERIALS,
    colors: COLORS,
    brands: BRANDS,
    features: FEATURES,
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
