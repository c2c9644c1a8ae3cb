import type { Db, Queryable } from '../../platform/db/db.js'

/** The SQL of the demo catalog (npm run seed, first start): generated in the database, in batches. */

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
       (slug, name, description, price_amount, currency, category_id, attributes, stock, popularity, created_at, updated_at, needs_demo_image)
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
       now(),
       -- The product service's demo-images job gives each a picture of its category.
       true
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

/** A demo product waits for a demo picture (the demo-images job attaches one). */
export async function markNeedsDemoImage(db: Queryable, productId: number): Promise<void> {
  await db.query('update catalog.products set needs_demo_image = true where id = $1', [productId])
}
