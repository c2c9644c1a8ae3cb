import type { Queryable } from '../../platform/db/db.js'

/**
 * The SQL of variants (catalog.variants) and product options. Every statement that
 * changes a variant's stock changes its product's total (products.stock) by the same
 * amount, with the product row locked first (lockProduct), the order the
 * reservation takes its locks in: products, then variants.
 */

export interface ProductOption {
  name: string
  values: string[]
}

export interface VariantRow {
  id: number
  product_id: number
  sku: string
  option_values: Record<string, string>
  price_amount: number | null
  stock: number
  weight_grams: number
  position: number
}

// The fields of a VariantRow, read as columns or as one JSON object.
const VARIANT_FIELDS = ['id', 'product_id', 'sku', 'option_values', 'price_amount', 'stock', 'weight_grams', 'position'] as const
const VARIANT_COLUMNS = VARIANT_FIELDS.map((f) => `v.${f}`).join(', ')

/**
 * A product's live variants (as VariantRow, by position and id) as one column of a
 * statement over catalog.products p: a product and its variants in one round trip.
 */
export const LIVE_VARIANTS_COLUMN = `(select coalesce(json_agg(json_build_object(${VARIANT_FIELDS.map((f) => `'${f}', v.${f}`).join(', ')})
    order by v.position, v.id), '[]')
  from catalog.variants v where v.product_id = p.id and v.deleted_at is null) as variants`

/** The live variants of these products, by product, position and id. */
export async function listVariants(db: Queryable, productIds: readonly number[]): Promise<VariantRow[]> {
  if (productIds.length === 0) return []
  const { rows } = await db.query<VariantRow>(
    `select ${VARIANT_COLUMNS} from catalog.variants v
     where v.product_id = any($1::bigint[]) and v.deleted_at is null order by v.product_id, v.position, v.id`,
    [productIds],
  )
  return rows
}

/** Locks a live product's row (for a change of its variants or options); undefined when there is none. */
export async function lockProduct(tx: Queryable, productId: number): Promise<{ id: number; slug: string; options: ProductOption[] } | undefined> {
  const { rows } = await tx.query<{ id: number; slug: string; options: ProductOption[] }>(
    'select id, slug, options from catalog.products where id = $1 and deleted_at is null for update',
    [productId],
  )
  return rows[0]
}

export async function setOptions(tx: Queryable, productId: number, options: readonly ProductOption[]): Promise<void> {
  await tx.query('update catalog.products set options = $2::jsonb, updated_at = now() where id = $1', [productId, JSON.stringify(options)])
}

/** Rewrites the option values of several variants in one statement (the combination index sees the end state). */
export async function setOptionValues(tx: Queryable, values: readonly { id: number; options: Record<string, string> }[]): Promise<void> {
  if (values.length === 0) return
  await tx.query(
    `update catalog.variants v set option_values = n.o, updated_at = now()
     from unnest($1::bigint[], $2::jsonb[]) as n(id, o) where v.id = n.id`,
    [values.map((v) => v.id), values.map((v) => JSON.stringify(v.options))],
  )
}

export interface VariantInput {
  sku: string
  options: Record<string, string>
  priceAmount: number | null
  stock: number
  weightGrams: number
}

/** Inserts a variant (last by position) and adds its stock to the product's total. */
export async function insertVariant(tx: Queryable, productId: number, v: VariantInput): Promise<number> {
  const { rows } = await tx.query<{ id: number }>(
    `with ins as (
       insert into catalog.variants (product_id, sku, option_values, price_amount, stock, weight_grams, position)
       values ($1, $2, $3::jsonb, $4, $5, $6,
         (select coalesce(max(position), -1) + 1 from catalog.variants where product_id = $1))
       returning id, stock
     ), upd as (
       update catalog.products set stock = stock + (select stock from ins), updated_at = now() where id = $1
     )
     select id from ins`,
    [productId, v.sku, JSON.stringify(v.options), v.priceAmount, v.stock, v.weightGrams],
  )
  return rows[0]!.id
}

/** Changes the given fields (not the stock) of a live variant of the product; false when there is none. */
export async function updateVariant(tx: Queryable, productId: number, id: number, patch: Partial<Omit<VariantInput, 'stock'>>): Promise<boolean> {
  const sets: string[] = []
  const params: unknown[] = [productId, id]
  const set = (column: string, value: unknown, cast = '') => {
    params.push(value)
    sets.push(`${column} = $${params.length}${cast}`)
  }
  if (patch.sku !== undefined) set('sku', patch.sku)
  if (patch.options !== undefined) set('option_values', JSON.stringify(patch.options), '::jsonb')
  if (patch.priceAmount !== undefined) set('price_amount', patch.priceAmount)
  if (patch.weightGrams !== undefined) set('weight_grams', patch.weightGrams)
  sets.push('updated_at = now()')
  const r = await tx.query(`update catalog.variants set ${sets.join(', ')} where product_id = $1 and id = $2 and deleted_at is null`, params)
  return r.rowCount === 1
}

/** Sets a live variant's stock and moves its product's total by the difference; false when there is no such variant. */
export async function setVariantStock(tx: Queryable, productId: number, id: number, stock: number): Promise<boolean> {
  const { rows } = await tx.query<{ id: number }>(
    `with old as (
       select id, stock from catalog.variants where product_id = $1 and id = $2 and deleted_at is null for update
     ), upd as (
       update catalog.variants v set stock = $3, updated_at = now() from old where v.id = old.id returning v.id
     ), total as (
       update catalog.products p set stock = p.stock + $3 - old.stock, updated_at = now() from old where p.id = $1
     )
     select id from upd`,
    [productId, id, stock],
  )
  return rows.length === 1
}

/** Soft-deletes a live variant; its stock leaves the product's total. False when there is no such variant. */
export async function softDeleteVariant(tx: Queryable, productId: number, id: number): Promise<boolean> {
  const { rows } = await tx.query<{ id: number }>(
    `with del as (
       update catalog.variants set deleted_at = now(), updated_at = now()
       where product_id = $1 and id = $2 and deleted_at is null returning id, stock
     ), total as (
       update catalog.products p set stock = p.stock - del.stock, updated_at = now() from del where p.id = $1
     )
     select id from del`,
    [productId, id],
  )
  return rows.length === 1
}
