import type { Queryable } from '../../platform/db/db.js'
import type { StoredImage } from './images/image-view.js'
import { LIVE_VARIANTS_COLUMN, type ProductOption, type VariantRow } from './variant-store.js'

/** The SQL of products and deals (schema `catalog`); categories, stock and demo data have their own stores. */

export interface ProductRow {
  id: number
  slug: string
  name: string
  description: string
  price_amount: number
  currency: string
  category_id: number | null
  category_slug: string | null
  category_name: string | null
  attributes: Record<string, unknown>
  /** The product's options, in order ([] for a product sold as one variant). */
  options: ProductOption[]
  /** The sum of its live variants' stock. */
  stock: number
  /** The read model of the ready images (image-store.ts keeps it). */
  images: StoredImage[]
  popularity: number
  created_at: Date
  updated_at: Date
  deal_id: number | null
  deal_title: string | null
  deal_discount_percent: number | null
  deal_ends_at: Date | null
  rank?: number
}

/** A product with its live variants, read in the same statement. */
export interface ProductWithVariantsRow extends ProductRow {
  variants: VariantRow[]
}

export interface DealRow extends ProductRow {
  deal_starts_at: Date
}

export type ProductSort = 'relevance' | 'newest' | 'price_asc' | 'price_desc'

export interface ProductQuery {
  q?: string
  categoryIds?: number[]
  minPrice?: number
  maxPrice?: number
  sort: ProductSort
  limit: number
  /** Keyset position: [rank, id] | [id] | [price, id], as in the cursor. */
  after?: readonly number[]
}

// The columns of a ProductRow: p the product, c its category, d a running deal.
const PRODUCT_COLUMNS = `
  p.id, p.slug, p.name, p.description, p.price_amount, p.currency, p.category_id,
  c.slug as category_slug, c.name as category_name, p.attributes, p.options, p.stock, p.images,
  p.popularity, p.created_at, p.updated_at,
  d.id as deal_id, d.title as deal_title, d.discount_percent as deal_discount_percent, d.ends_at as deal_ends_at`
// With d the best running deal of each product, for prices shown anywhere.
const PRODUCT_JOINS = `
  left join catalog.categories c on c.id = p.category_id
  left join lateral (
    select id, title, discount_percent, ends_at from catalog.deals
    where product_id = p.id and starts_at <= now() and ends_at > now()
    order by discount_percent desc, id limit 1
  ) d on true`

export async function listProducts(db: Queryable, query: ProductQuery): Promise<ProductRow[]> {
  const params: unknown[] = []
  const p = (v: unknown) => {
    params.push(v)
    return `$${params.length}`
  }
  const where = ['p.deleted_at is null']
  let rank = ''
  if (query.q !== undefined) {
    // A sub-select: computed once per query even in a generic plan (else once per row ranked).
    const tsq = `(select catalog.search_query(${p(query.q)}))`
    where.push(`p.search @@ ${tsq}`)
    rank = `ts_rank(p.search, ${tsq})`
  }
  if (query.categoryIds) where.push(`p.category_id = any(${p(query.categoryIds)}::int[])`)
  if (query.minPrice !== undefined) where.push(`p.price_amount >= ${p(query.minPrice)}`)
  if (query.maxPrice !== undefined) where.push(`p.price_amount <= ${p(query.maxPrice)}`)

  let order: string
  let outerOrder: string
  const a = query.after
  switch (query.sort) {
    case 'relevance':
      if (!rank) throw new Error('relevance needs q')
      order = `${rank} desc, p.id asc`
      outerOrder = 'page.rank desc, p.id asc'
      if (a) where.push(`(${rank} < ${p(a[0])}::real or (${rank} = ${p(a[0])}::real and p.id > ${p(a[1])}))`)
      break
    case 'newest':
      order = outerOrder = 'p.id desc'
      if (a) where.push(`p.id < ${p(a[0])}`)
      break
    case 'price_asc':
      order = outerOrder = 'p.price_amount asc, p.id asc'
      if (a) where.push(`(p.price_amount, p.id) > (${p(a[0])}, ${p(a[1])})`)
      break
    case 'price_desc':
      order = outerOrder = 'p.price_amount desc, p.id desc'
      if (a) where.push(`(p.price_amount, p.id) < (${p(a[0])}, ${p(a[1])})`)
      break
  }
  // A literal, not a parameter: with it the generic plan costs what a custom one
  // does, so PostgreSQL keeps one plan per statement instead of planning each call.
  if (!Number.isSafeInteger(query.limit) || query.limit < 1) throw new Error(`invalid limit ${query.limit}`)
  // Pick the page's ids first (narrow rows to sort), then fetch and join only those:
  // 2-3x cheaper than sorting whole rows for a broad search.
  const sql = `
    with page as (
      select p.id, ${rank || 'null::real'} as rank
      from catalog.products p
      where ${where.join(' and ')}
      order by ${order}
      limit ${query.limit}
    )
    select ${PRODUCT_COLUMNS}, page.rank
    from page join catalog.products p on p.id = page.id ${PRODUCT_JOINS}
    order by ${outerOrder}`
  return (await db.query<ProductRow>(sql, params)).rows
}

export async function findProductById(db: Queryable, id: number): Promise<ProductWithVariantsRow | undefined> {
  const { rows } = await db.query<ProductWithVariantsRow>(
    `select ${PRODUCT_COLUMNS}, ${LIVE_VARIANTS_COLUMN} from catalog.products p ${PRODUCT_JOINS} where p.id = $1 and p.deleted_at is null`,
    [id],
  )
  return rows[0]
}

export async function findProductBySlug(db: Queryable, slug: string): Promise<ProductWithVariantsRow | undefined> {
  const { rows } = await db.query<ProductWithVariantsRow>(
    `select ${PRODUCT_COLUMNS}, ${LIVE_VARIANTS_COLUMN} from catalog.products p ${PRODUCT_JOINS} where p.slug = $1 and p.deleted_at is null`,
    [slug],
  )
  return rows[0]
}

export async function findProductsByIds(db: Queryable, ids: readonly number[]): Promise<ProductWithVariantsRow[]> {
  const { rows } = await db.query<ProductWithVariantsRow>(
    `select ${PRODUCT_COLUMNS}, ${LIVE_VARIANTS_COLUMN} from catalog.products p ${PRODUCT_JOINS}
     where p.id = any($1::bigint[]) and p.deleted_at is null order by p.id`,
    [ids],
  )
  return rows
}

export async function listActiveDeals(db: Queryable, limit: number, after?: readonly number[]): Promise<DealRow[]> {
  const params: unknown[] = [limit]
  let keyset = ''
  if (after) {
    params.push(after[0], after[1])
    keyset = 'and (d.discount_percent, d.id) < ($2, $3)'
  }
  // Every running deal is a row here, not only the best of its product: d is this deal.
  const { rows } = await db.query<DealRow>(
    `select ${PRODUCT_COLUMNS}, d.starts_at as deal_starts_at
     from catalog.deals d
     join catalog.products p on p.id = d.product_id and p.deleted_at is null
     left join catalog.categories c on c.id = p.category_id
     where d.starts_at <= now() and d.ends_at > now() ${keyset}
     order by d.discount_percent desc, d.id desc
     limit $1`,
    params,
  )
  return rows
}

/** Best sellers of the product's category (or of the whole shop), the product itself excluded. */
export async function listPopular(db: Queryable, options: { categoryId?: number | null; excludeId?: number; limit: number }): Promise<ProductRow[]> {
  const { rows } = await db.query<ProductRow>(
    `select ${PRODUCT_COLUMNS} from catalog.products p ${PRODUCT_JOINS}
     where p.deleted_at is null
       and ($1::int is null or p.category_id = $1)
       and ($2::bigint is null or p.id <> $2)
     order by p.popularity desc, p.id
     limit $3`,
    [options.categoryId ?? null, options.excludeId ?? null, options.limit],
  )
  return rows
}

export async function countProducts(db: Queryable): Promise<number> {
  const { rows } = await db.query<{ n: number }>('select count(*)::int as n from catalog.products')
  return rows[0]!.n
}

// --- writes -----------------------------------------------------------------

export interface ProductInput {
  slug: string
  name: string
  description: string
  priceAmount: number
  currency: string
  categoryId: number | null
  attributes: Record<string, unknown>
  stock: number
  images: unknown[]
}

export async function insertProduct(db: Queryable, p: ProductInput): Promise<number> {
  const { rows } = await db.query<{ id: number }>(
    `insert into catalog.products (slug, name, description, price_amount, currency, category_id, attributes, stock, images)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9) returning id`,
    [p.slug, p.name, p.description, p.priceAmount, p.currency, p.categoryId, p.attributes, p.stock, JSON.stringify(p.images)],
  )
  return rows[0]!.id
}

/** Stock is not among them: it is the variants' (product-variants.ts sets it). */
const PRODUCT_PATCH_COLUMNS: Record<Exclude<keyof ProductInput, 'stock'>, string> = {
  slug: 'slug',
  name: 'name',
  description: 'description',
  priceAmount: 'price_amount',
  currency: 'currency',
  categoryId: 'category_id',
  attributes: 'attributes',
  images: 'images',
}

/** Updates the given fields; false when there is no such (live) product. */
export async function updateProduct(db: Queryable, id: number, patch: Partial<ProductInput>): Promise<boolean> {
  const sets: string[] = []
  const params: unknown[] = [id]
  for (const [key, column] of Object.entries(PRODUCT_PATCH_COLUMNS) as [Exclude<keyof ProductInput, 'stock'>, string][]) {
    if (patch[key] === undefined) continue
    params.push(key === 'images' ? JSON.stringify(patch[key]) : patch[key])
    sets.push(`${column} = $${params.length}`)
  }
  sets.push('updated_at = now()')
  const r = await db.query(`update catalog.products set ${sets.join(', ')} where id = $1 and deleted_at is null`, params)
  return r.rowCount === 1
}

/** Its variants go with it (their SKUs become free again); orders and reservations keep pointing at them. */
export async function softDeleteProduct(db: Queryable, id: number): Promise<boolean> {
  const { rows } = await db.query<{ id: number }>(
    `with del as (
       update catalog.products set deleted_at = now(), updated_at = now(),
         slug = slug || '-deleted-' || id
       where id = $1 and deleted_at is null returning id
     ), variants as (
       update catalog.variants v set deleted_at = now(), updated_at = now() from del
       where v.product_id = del.id and v.deleted_at is null
     )
     select id from del`,
    [id],
  )
  return rows.length === 1
}

export interface DealInput {
  productId: number
  title: string
  discountPercent: number
  startsAt: Date
  endsAt: Date
}

export async function insertDeal(db: Queryable, d: DealInput): Promise<number> {
  const { rows } = await db.query<{ id: number }>(
    `insert into catalog.deals (product_id, title, discount_percent, starts_at, ends_at)
     values ($1, $2, $3, $4, $5) returning id`,
    [d.productId, d.title, d.discountPercent, d.startsAt, d.endsAt],
  )
  return rows[0]!.id
}

export async function deleteDeal(db: Queryable, id: number): Promise<boolean> {
  const r = await db.query('delete from catalog.deals where id = $1', [id])
  return r.rowCount === 1
}

/** Live products most often bought with this one. */
export async function listBoughtTogether(db: Queryable, productId: number, limit: number): Promise<ProductRow[]> {
  const { rows } = await db.query<ProductRow>(
    `select ${PRODUCT_COLUMNS} from catalog.co_purchases cp
     join catalog.products p on p.id = cp.other_id and p.deleted_at is null ${PRODUCT_JOINS}
     where cp.product_id = $1
     order by cp.orders desc, p.id
     limit $2`,
    [productId, limit],
  )
  return rows
}
