import type { Db, Queryable } from '../../platform/db/db.js'

/** Every SQL statement of the product service. Tables live in the `catalog` schema. */

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
  stock: number
  images: unknown[]
  popularity: number
  created_at: Date
  updated_at: Date
  deal_id: number | null
  deal_title: string | null
  deal_discount_percent: number | null
  deal_ends_at: Date | null
  rank?: number
}

export interface CategoryRow {
  id: number
  slug: string
  name: string
  parent_id: number | null
  position: number
  product_count: number
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

// The best active deal of each product, for prices shown anywhere.
const PRODUCT_COLUMNS = `
  p.id, p.slug, p.name, p.description, p.price_amount, p.currency, p.category_id,
  c.slug as category_slug, c.name as category_name, p.attributes, p.stock, p.images,
  p.popularity, p.created_at, p.updated_at,
  d.id as deal_id, d.title as deal_title, d.discount_percent as deal_discount_percent, d.ends_at as deal_ends_at`
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
    const tsq = `websearch_to_tsquery('english', ${p(query.q)})`
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
  // Pick the page's ids first (narrow rows to sort), then fetch and join only those:
  // 2-3x cheaper than sorting whole rows for a broad search.
  const sql = `
    with page as (
      select p.id, ${rank || 'null::real'} as rank
      from catalog.products p
      where ${where.join(' and ')}
      order by ${order}
      limit ${p(query.limit)}
    )
    select ${PRODUCT_COLUMNS}, page.rank
    from page join catalog.products p on p.id = page.id ${PRODUCT_JOINS}
    order by ${outerOrder}`
  return (await db.query<ProductRow>(sql, params)).rows
}

export async function findProductById(db: Queryable, id: number): Promise<ProductRow | undefined> {
  const { rows } = await db.query<ProductRow>(
    `select ${PRODUCT_COLUMNS} from catalog.products p ${PRODUCT_JOINS} where p.id = $1 and p.deleted_at is null`,
    [id],
  )
  return rows[0]
}

export async function findProductBySlug(db: Queryable, slug: string): Promise<ProductRow | undefined> {
  const { rows } = await db.query<ProductRow>(
    `select ${PRODUCT_COLUMNS} from catalog.products p ${PRODUCT_JOINS} where p.slug = $1 and p.deleted_at is null`,
    [slug],
  )
  return rows[0]
}

export async function findProductsByIds(db: Queryable, ids: readonly number[]): Promise<ProductRow[]> {
  const { rows } = await db.query<ProductRow>(
    `select ${PRODUCT_COLUMNS} from catalog.products p ${PRODUCT_JOINS}
     where p.id = any($1::bigint[]) and p.deleted_at is null order by p.id`,
    [ids],
  )
  return rows
}

export async function listCategories(db: Queryable): Promise<CategoryRow[]> {
  const { rows } = await db.query<CategoryRow>(`
    select c.id, c.slug, c.name, c.parent_id, c.position, coalesce(n.count, 0)::int as product_count
    from catalog.categories c
    left join (
      select category_id, count(*) as count from catalog.products
      where deleted_at is null group by category_id
    ) n on n.category_id = c.id
    order by c.position, c.id`)
  return rows
}

export async function listActiveDeals(db: Queryable, limit: number, after?: readonly number[]): Promise<DealRow[]> {
  const params: unknown[] = [limit]
  let keyset = ''
  if (after) {
    params.push(after[0], after[1])
    keyset = 'and (d.discount_percent, d.id) < ($2, $3)'
  }
  const { rows } = await db.query<DealRow>(
    `select p.id, p.slug, p.name, p.description, p.price_amount, p.currency, p.category_id,
            c.slug as category_slug, c.name as category_name, p.attributes, p.stock, p.images,
            p.popularity, p.created_at, p.updated_at,
            d.id as deal_id, d.title as deal_title, d.discount_percent as deal_discount_percent,
            d.ends_at as deal_ends_at, d.starts_at as deal_starts_at
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

const PRODUCT_PATCH_COLUMNS: Record<keyof ProductInput, string> = {
  slug: 'slug',
  name: 'name',
  description: 'description',
  priceAmount: 'price_amount',
  currency: 'currency',
  categoryId: 'category_id',
  attributes: 'attributes',
  stock: 'stock',
  images: 'images',
}

/** Updates the given fields; false when there is no such (live) product. */
export async function updateProduct(db: Queryable, id: number, patch: Partial<ProductInput>): Promise<boolean> {
  const sets: string[] = []
  const params: unknown[] = [id]
  for (const [key, column] of Object.entries(PRODUCT_PATCH_COLUMNS) as [keyof ProductInput, string][]) {
    if (patch[key] === undefined) continue
    params.push(key === 'images' ? JSON.stringify(patch[key]) : patch[key])
    sets.push(`${column} = $${params.length}`)
  }
  sets.push('updated_at = now()')
  const r = await db.query(`update catalog.products set ${sets.join(', ')} where id = $1 and deleted_at is null`, params)
  return r.rowCount === 1
}

export async function softDeleteProduct(db: Queryable, id: number): Promise<boolean> {
  const r = await db.query(
    `update catalog.products set deleted_at = now(), updated_at = now(),
       slug = slug || '-deleted-' || id
     where id = $1 and deleted_at is null`,
    [id],
  )
  return r.rowCount === 1
}

export async function setStock(db: Queryable, id: number, stock: number): Promise<boolean> {
  const r = await db.query('update catalog.products set stock = $2, updated_at = now() where id = $1 and deleted_at is null', [id, stock])
  return r.rowCount === 1
}

export interface CategoryInput {
  slug: string
  name: string
  parentId: number | null
  position: number
}

export async function insertCategory(db: Queryable, c: CategoryInput): Promise<number> {
  const { rows } = await db.query<{ id: number }>(
    'insert into catalog.categories (slug, name, parent_id, position) values ($1, $2, $3, $4) returning id',
    [c.slug, c.name, c.parentId, c.position],
  )
  return rows[0]!.id
}

export async function updateCategory(db: Queryable, id: number, c: Partial<CategoryInput>): Promise<boolean> {
  const r = await db.query(
    `update catalog.categories set
       slug = coalesce($2, slug), name = coalesce($3, name),
       parent_id = case when $4::boolean then $5::int else parent_id end,
       position = coalesce($6, position), updated_at = now()
     where id = $1`,
    [id, c.slug ?? null, c.name ?? null, c.parentId !== undefined, c.parentId ?? null, c.position ?? null],
  )
  return r.rowCount === 1
}

/** Whether making parentId the parent of id would close a cycle. */
export async function isDescendant(db: Queryable, candidateId: number, ancestorId: number): Promise<boolean> {
  const { rows } = await db.query<{ found: boolean }>(
    `with recursive up as (
       select id, parent_id from catalog.categories where id = $1
       union all
       select c.id, c.parent_id from catalog.categories c join up on c.id = up.parent_id
     ) select exists (select 1 from up where id = $2) as found`,
    [candidateId, ancestorId],
  )
  return rows[0]!.found
}

export async function deleteCategory(db: Queryable, id: number): Promise<boolean> {
  const r = await db.query('delete from catalog.categories where id = $1', [id])
  return r.rowCount === 1
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

// --- demo data ----------------------------------------------------------------

export async function findCategoryIdsBySlug(db: Queryable): Promise<Map<string, number>> {
  const { rows } = await db.query<{ id: number; slug: string }>('select id, slug from catalog.categories')
  return new Map(rows.map((r) => [r.slug, r.id]))
}

export async function nextProductNumber(db: Queryable): Promise<number> {
  const { rows } = await db.query<{ n: number }>('select coalesce(max(id), 0)::int + 1 as n from catalog.products')
  return rows[0]!.n
}

export interface SeedVocabulary {
  leafIds: number[]
  /** nouns[leaf][k], the same length for every leaf. */
  nouns: string[][]
  minPrice: number[]
  maxPrice: number[]
  adjectives: string[]
  materials: string[]
  colors: string[]
  brands: string[]
  features: string[]
}

/**
 * Inserts products numbered from..to (inclusive) in one statement, generated in SQL
 * from the vocabulary with a hash of the number, so a batch costs one round trip
 * and the same numbers always give the same products.
 */
export async function insertDemoProducts(db: Queryable, from: number, to: number, v: SeedVocabulary, total: number): Promise<void> {
  await db.query(
    `with g as (
       select n,
              abs(hashint4(n)) as h1, abs(hashint4(n + 1000003)) as h2, abs(hashint4(n + 2000003)) as h3,
              abs(hashint4(n + 3000017)) as h4, abs(hashint4(n + 4000037)) as h5
       from generate_series($1::int, $2::int) n
     ), w as (
       select n, h1, h2, h3, h4, h5,
              1 + h1 % cardinality($3::int[]) as leaf,
              ($6::text[])[1 + h2 % cardinality($6::text[])] as adj,
              ($7::text[])[1 + h3 % cardinality($7::text[])] as mat,
              ($8::text[])[1 + h4 % cardinality($8::text[])] as color,
              ($9::text[])[1 + h5 % cardinality($9::text[])] as brand,
              ($10::text[])[1 + (h1 / 7) % cardinality($10::text[])] as feature
       from g
     ), x as (
       select w.*, ($4::text[])[leaf][1 + (h2 / 13) % array_length($4::text[], 2)] as noun,
              ($3::int[])[leaf] as category_id,
              ($5::int[])[leaf] as lo, ($11::int[])[leaf] as hi
       from w
     )
     insert into catalog.products
       (slug, name, description, price_amount, currency, category_id, attributes, stock, popularity, created_at, updated_at)
     select
       lower(regexp_replace(brand || ' ' || adj || ' ' || mat || ' ' || noun, '[^A-Za-z0-9]+', '-', 'g')) || '-' || n,
       brand || ' ' || adj || ' ' || mat || ' ' || noun,
       'The ' || lower(adj) || ' ' || lower(noun) || ' by ' || brand || ', made of ' || lower(mat) ||
         ' in ' || lower(color) || '. ' || feature || '.',
       ((lo + h3 % greatest(hi - lo, 1)) / 100) * 100 + 99,
       'USD',
       category_id,
       jsonb_build_object('brand', brand, 'color', color, 'material', mat),
       case when h4 % 20 = 0 then 0 else 1 + h5 % 250 end,
       (h1 / 3) % 10000,
       now() - make_interval(secs => ($12::int - n) * 60),
       now()
     from x`,
    [from, to, v.leafIds, v.nouns, v.minPrice, v.adjectives, v.materials, v.colors, v.brands, v.features, v.maxPrice, total],
  )
}

/** Gives every 40th product of the range a deal of 10-50 % running for 1-14 days. */
export async function insertDemoDeals(db: Queryable, fromId: number, toId: number): Promise<void> {
  await db.query(
    `insert into catalog.deals (product_id, title, discount_percent, starts_at, ends_at)
     select id, (array['Flash sale', 'Deal of the week', 'Clearance', 'Limited offer'])[1 + abs(hashint4(id::int)) % 4],
            10 + (abs(hashint4(id::int + 7)) % 9) * 5,
            now() - interval '1 day', now() + make_interval(days => 1 + abs(hashint4(id::int + 11)) % 14)
     from catalog.products where id between $1 and $2 and id % 40 = 0 and deleted_at is null`,
    [fromId, toId],
  )
}

export async function withSeedLock<T>(db: Db, fn: (tx: Queryable) => Promise<T>): Promise<T> {
  return db.transaction(async (tx) => {
    await tx.query('select pg_advisory_xact_lock(hashtext($1))', ['emporium.catalog.seed'])
    return fn(tx)
  })
}

// --- stock and reservations -------------------------------------------------------

export interface StockRow {
  id: number
  slug: string
  stock: number
  live: boolean
  name: string
}

/** Locks the products' rows in id order (so two checkouts never deadlock) and reads their stock. */
export async function lockProductsForStock(tx: Queryable, ids: readonly number[]): Promise<StockRow[]> {
  const { rows } = await tx.query<StockRow>(
    `select id, slug, stock, deleted_at is null as live, name from catalog.products
     where id = any($1::bigint[]) order by id for update`,
    [ids],
  )
  return rows
}

export interface AtomicReservation {
  ok: boolean
  /** The products asked for, as locked: to tell which line was refused. */
  products: StockRow[]
  reservation: ReservationRow | undefined
}

/**
 * The whole reservation in one statement, so one round trip and no explicit
 * transaction: lock the products in id order, check every line (live, enough
 * stock), and only if all pass take the stock and write the reservation with the
 * prices of the moment (after the best running deal). A second reservation for
 * the same order fails on the primary key and changes nothing.
 */
export async function reserveAtomically(
  db: Queryable,
  orderId: string,
  lines: readonly { productId: number; quantity: number }[],
  ttlSeconds: number,
): Promise<AtomicReservation> {
  const { rows } = await db.query<{ ok: boolean; products: StockRow[] | null; order_id: string | null; status: ReservationRow['status'] | null; lines: ReservationRow['lines'] | null; expires_at: Date | null }>(
    `with req as (
       select * from unnest($2::bigint[], $3::int[]) as r(id, q)
     ), locked as (
       select p.id, p.slug, p.name, p.stock, p.deleted_at is null as live
       from catalog.products p where p.id = any($2::bigint[]) order by p.id for update
     ), verdict as (
       select count(l.id) = count(*) and coalesce(bool_and(l.live and l.stock >= r.q), false) as ok
       from req r left join locked l on l.id = r.id
     ), upd as (
       update catalog.products p set stock = p.stock - r.q, updated_at = now()
       from req r
       where p.id = r.id and (select ok from verdict) and p.stock >= r.q
       returning p.id, p.name, p.currency, r.q as quantity,
         (p.price_amount * (100 - coalesce((select max(d.discount_percent) from catalog.deals d
            where d.product_id = p.id and d.starts_at <= now() and d.ends_at > now()), 0))) / 100 as unit_amount
     ), ins as (
       insert into catalog.reservations (order_id, status, lines, expires_at)
       select $1, 'held',
         jsonb_agg(jsonb_build_object('productId', id, 'quantity', quantity, 'name', name,
           'unitPrice', jsonb_build_object('amount', unit_amount, 'currency', currency)) order by id),
         now() + make_interval(secs => $4)
       from upd having count(*) > 0
       returning order_id, status, lines, expires_at
     )
     select (select ok from verdict) as ok,
       (select jsonb_agg(jsonb_build_object('id', id, 'slug', slug, 'name', name, 'stock', stock, 'live', live) order by id) from locked) as products,
       ins.order_id, ins.status, ins.lines, ins.expires_at
     from (select 1) as one left join ins on true`,
    [orderId, lines.map((l) => l.productId), lines.map((l) => l.quantity), ttlSeconds],
  )
  const r = rows[0]!
  return {
    ok: r.ok,
    products: r.products ?? [],
    reservation: r.order_id ? { order_id: r.order_id, status: r.status!, lines: r.lines!, expires_at: r.expires_at! } : undefined,
  }
}

export async function incrementStock(tx: Queryable, lines: readonly { productId: number; quantity: number }[]): Promise<void> {
  await tx.query(
    `update catalog.products p set stock = p.stock + l.q, updated_at = now()
     from unnest($1::bigint[], $2::int[]) as l(id, q) where p.id = l.id`,
    [lines.map((l) => l.productId), lines.map((l) => l.quantity)],
  )
}

export interface ReservationRow {
  order_id: string
  status: 'held' | 'attached' | 'confirmed' | 'released'
  lines: { productId: number; quantity: number; name: string; unitPrice: { amount: number; currency: string } }[]
  expires_at: Date
}

export async function findReservation(q: Queryable, orderId: string, forUpdate = false): Promise<ReservationRow | undefined> {
  const { rows } = await q.query<ReservationRow>(
    `select order_id, status, lines, expires_at from catalog.reservations where order_id = $1${forUpdate ? ' for update' : ''}`,
    [orderId],
  )
  return rows[0]
}

/** Moves a reservation from one of the given statuses to another; its lines, or undefined when it was not in them. */
export async function moveReservation(
  tx: Queryable,
  orderId: string,
  from: readonly ReservationRow['status'][],
  to: ReservationRow['status'],
): Promise<ReservationRow['lines'] | undefined> {
  const { rows } = await tx.query<{ lines: ReservationRow['lines'] }>(
    `update catalog.reservations set status = $3, updated_at = now() where order_id = $1 and status = any($2::text[]) returning lines`,
    [orderId, from, to],
  )
  return rows[0]?.lines
}

export async function setReservationStatus(tx: Queryable, orderId: string, status: ReservationRow['status']): Promise<void> {
  await tx.query('update catalog.reservations set status = $2, updated_at = now() where order_id = $1', [orderId, status])
}

export async function listExpiredHeldReservations(db: Queryable, limit: number): Promise<string[]> {
  const { rows } = await db.query<{ order_id: string }>(
    `select order_id from catalog.reservations where status = 'held' and expires_at < now() order by expires_at limit $1`,
    [limit],
  )
  return rows.map((r) => r.order_id)
}

/** Units sold raise popularity; every pair of products in one order counts as bought together. */
export async function recordSale(tx: Queryable, lines: readonly { productId: number; quantity: number }[]): Promise<void> {
  await tx.query(
    `update catalog.products p set popularity = p.popularity + l.q
     from unnest($1::bigint[], $2::int[]) as l(id, q) where p.id = l.id`,
    [lines.map((l) => l.productId), lines.map((l) => l.quantity)],
  )
  const ids = [...new Set(lines.map((l) => l.productId))].sort((a, b) => a - b)
  if (ids.length < 2) return
  await tx.query(
    `insert into catalog.co_purchases (product_id, other_id, orders)
     select a, b, 1 from unnest($1::bigint[]) a cross join unnest($1::bigint[]) b where a <> b
     order by a, b
     on conflict (product_id, other_id) do update set orders = catalog.co_purchases.orders + 1`,
    [ids],
  )
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
