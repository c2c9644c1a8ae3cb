import type { Money, VariantSummary } from '../../contracts/product.js'
import type { ReadThrough } from '../../platform/cache/read-through.js'
import type { CursorCodec } from '../../platform/cursors.js'
import type { Db } from '../../platform/db/db.js'
import { categoryNotFound, invalidPriceRange, productNotFound, sortNeedsQuery } from './errors.js'
import { toVariants, type ProductOption } from './product-variants.js'
import * as store from './product-store.js'
import type { ProductRow, ProductSort, ProductWithVariantsRow } from './product-store.js'
import * as categories from './category-store.js'
import { buildCategoryTree, subtreeIds, type CategoryNode } from './category-tree.js'
import { decodeCursor, encodeCursor, type ListFilter } from './cursors.js'
import { withCorrection } from './search.js'
import { suggest } from './search-store.js'
import { imageView, type ImageView } from './images/image-view.js'

/** The product service's rules for the catalog: pure mapping functions plus one function per read (the writes: catalog-admin.ts). */

export interface ProductDeps {
  db: Db
  readDb: Db
  cache: ReadThrough
  ttl: { products: number; deals: number; recommendations: number; categories: number }
  cursors: CursorCodec
  /** Where the image variants are served from (IMAGES_BASE_URL): answers carry their URLs. */
  imagesBaseUrl: string
}

/** Cache namespaces and what a write to each kind of row makes stale. */
export const NS = { products: 'catalog:products', categories: 'catalog:categories', deals: 'catalog:deals', recommendations: 'catalog:recommendations' } as const

export interface Product {
  id: number
  slug: string
  name: string
  description: string
  price: Money
  /** The price after the best active deal; equals price when there is none. */
  salePrice: Money
  deal: { id: number; title: string; discountPercent: number; endsAt: string } | null
  category: { id: number; slug: string; name: string } | null
  attributes: Record<string, unknown>
  /** Ordered; [] for a product sold as one variant. */
  options: ProductOption[]
  /** The sum of its live variants' stock. */
  stock: number
  inStock: boolean
  /** One product's answer only (not lists): the live variants by position. */
  variants?: VariantSummary[]
  /** The ready images by position, each with its variants' URLs by format (srcset). */
  images: ImageView[]
  createdAt: string
  updatedAt: string
}

export function discounted(amount: number, percent: number): number {
  // Integer minor units; the customer gets the rounding.
  return Math.floor((amount * (100 - percent)) / 100)
}

export function toProduct(r: ProductRow, imagesBaseUrl: string): Product {
  const percent = r.deal_discount_percent
  return {
    id: r.id,
    slug: r.slug,
    name: r.name,
    description: r.description,
    price: { amount: r.price_amount, currency: r.currency },
    salePrice: { amount: percent ? discounted(r.price_amount, percent) : r.price_amount, currency: r.currency },
    deal:
      r.deal_id !== null && percent !== null
        ? { id: r.deal_id, title: r.deal_title ?? '', discountPercent: percent, endsAt: r.deal_ends_at!.toISOString() }
        : null,
    category: r.category_id !== null ? { id: r.category_id, slug: r.category_slug!, name: r.category_name! } : null,
    attributes: r.attributes,
    options: r.options,
    stock: r.stock,
    inStock: r.stock > 0,
    images: r.images.map((i) => imageView(i, imagesBaseUrl)),
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
  }
}

// --- reads ----------------------------------------------------------------------

export interface ProductPage {
  items: Product[]
  nextCursor: string | null
  /** A search that found nothing as typed: the corrected query these items are for. */
  correctedQuery?: string
}

async function categoryTree(deps: ProductDeps): Promise<CategoryNode[]> {
  const { body } = await deps.cache.get(NS.categories, 'tree', deps.ttl.categories, async () =>
    buildCategoryTree(await categories.listCategories(deps.readDb)),
  )
  return JSON.parse(body) as CategoryNode[]
}

export function listProducts(deps: ProductDeps, filter: ListFilter, sort: ProductSort | undefined, limit: number, cursor?: string) {
  const effectiveSort: ProductSort = sort ?? (filter.q !== undefined ? 'relevance' : 'newest')
  if (effectiveSort === 'relevance' && filter.q === undefined) {
    throw sortNeedsQuery()
  }
  if (filter.minPrice !== undefined && filter.maxPrice !== undefined && filter.minPrice > filter.maxPrice) {
    throw invalidPriceRange()
  }
  const after = cursor === undefined ? undefined : decodeCursor(deps.cursors, cursor, effectiveSort, filter)
  const key = JSON.stringify([effectiveSort, filter.q, filter.category, filter.minPrice, filter.maxPrice, limit, cursor])
  return deps.cache.get(NS.products, `list:${key}`, deps.ttl.products, async (): Promise<ProductPage> => {
    let categoryIds: number[] | undefined
    if (filter.category !== undefined) {
      categoryIds = subtreeIds(await categoryTree(deps), filter.category)
      if (!categoryIds) throw categoryNotFound(filter.category)
    }
    const run = (q?: string) =>
      store.listProducts(deps.readDb, {
        ...(q !== undefined ? { q } : {}),
        ...(categoryIds ? { categoryIds } : {}),
        ...(filter.minPrice !== undefined ? { minPrice: filter.minPrice } : {}),
        ...(filter.maxPrice !== undefined ? { maxPrice: filter.maxPrice } : {}),
        sort: effectiveSort,
        limit: limit + 1,
        ...(after ? { after } : {}),
      })
    const { rows, corrected } = filter.q === undefined ? { rows: await run() } : await withCorrection(deps.readDb, filter.q, run)
    const page = rows.slice(0, limit)
    const last = page.at(-1)
    const nextKey =
      rows.length > limit && last
        ? effectiveSort === 'relevance'
          ? [last.rank!, last.id]
          : effectiveSort === 'newest'
            ? [last.id]
            : [last.price_amount, last.id]
        : undefined
    return {
      items: page.map((r) => toProduct(r, deps.imagesBaseUrl)),
      nextCursor: nextKey ? encodeCursor(deps.cursors, effectiveSort, filter, nextKey) : null,
      ...(corrected !== undefined ? { correctedQuery: corrected } : {}),
    }
  })
}

/** Names and slugs for a search box while the customer types: best sellers first, typos corrected. */
export function suggestProducts(deps: ProductDeps, q: string, limit: number) {
  return deps.cache.get(NS.products, `suggest:${limit}:${q}`, deps.ttl.products, async () => {
    const { rows, corrected } = await withCorrection(deps.readDb, q, (text) => suggest(deps.readDb, text, limit))
    return { items: rows, ...(corrected !== undefined ? { correctedQuery: corrected } : {}) }
  })
}

const ID = /^[1-9][0-9]{0,15}$/

export function getProduct(deps: ProductDeps, idOrSlug: string) {
  return deps.cache.get(NS.products, `one:${idOrSlug}`, deps.ttl.products, async () => {
    let row: ProductWithVariantsRow | undefined
    if (ID.test(idOrSlug)) {
      const id = Number(idOrSlug)
      row = Number.isSafeInteger(id) ? await store.findProductById(deps.readDb, id) : undefined
    } else {
      row = await store.findProductBySlug(deps.readDb, idOrSlug)
    }
    if (!row) throw productNotFound(idOrSlug)
    return withVariants(row, deps.imagesBaseUrl)
  })
}

function withVariants(row: ProductWithVariantsRow, imagesBaseUrl: string): Product {
  const product = toProduct(row, imagesBaseUrl)
  return { ...product, variants: toVariants(row.variants, product) }
}

/** One live product with its variants, read from db (no cache); undefined when there is none. */
export async function loadProduct(db: Db, imagesBaseUrl: string, id: number): Promise<Product | undefined> {
  const row = await store.findProductById(db, id)
  return row && withVariants(row, imagesBaseUrl)
}

export function getCategories(deps: ProductDeps) {
  return deps.cache.get(NS.categories, 'list', deps.ttl.categories, async () => ({
    items: buildCategoryTree(await categories.listCategories(deps.readDb)),
  }))
}

export function listDeals(deps: ProductDeps, limit: number, cursor?: string) {
  const after = cursor === undefined ? undefined : decodeCursor(deps.cursors, cursor, 'deals', {})
  return deps.cache.get(NS.deals, `list:${limit}:${cursor ?? ''}`, deps.ttl.deals, async () => {
    const rows = await store.listActiveDeals(deps.readDb, limit + 1, after)
    const page = rows.slice(0, limit)
    const last = page.at(-1)
    return {
      items: page.map((r) => ({ ...toProduct(r, deps.imagesBaseUrl), dealStartsAt: r.deal_starts_at.toISOString() })),
      nextCursor: rows.length > limit && last ? encodeCursor(deps.cursors, 'deals', {}, [last.deal_discount_percent!, last.deal_id!]) : null,
    }
  })
}

/**
 * Products to show next to a product (or on the home page without one): best
 * sellers of the same category until order data says what is bought together.
 */
export function getRecommendations(deps: ProductDeps, productId: number | undefined, limit: number) {
  return deps.cache.get(NS.recommendations, `${productId ?? 'home'}:${limit}`, deps.ttl.recommendations, async () => {
    if (productId === undefined) {
      return { basedOn: 'popularity', items: (await store.listPopular(deps.readDb, { limit })).map((r) => toProduct(r, deps.imagesBaseUrl)) }
    }
    const product = await store.findProductById(deps.readDb, productId)
    if (!product) throw productNotFound(productId)
    const together = await store.listBoughtTogether(deps.readDb, productId, limit)
    if (together.length >= limit) return { basedOn: 'bought-together', productId, items: together.map((r) => toProduct(r, deps.imagesBaseUrl)) }
    // Not enough order data yet: fill up with the category's best sellers.
    const popular = await store.listPopular(deps.readDb, { categoryId: product.category_id, excludeId: productId, limit: limit + together.length })
    const seen = new Set(together.map((r) => r.id))
    const rows = [...together, ...popular.filter((r) => !seen.has(r.id))].slice(0, limit)
    return { basedOn: together.length ? 'bought-together' : 'category-popularity', productId, items: rows.map((r) => toProduct(r, deps.imagesBaseUrl)) }
  })
}
