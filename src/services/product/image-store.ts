import type { Queryable } from '../../platform/db/db.js'
import type { Size } from './images/variants.js'
import { IMAGE_READY_STATUS, type ImageStatus, type ImageTransition } from './image-states.js'

/**
 * The SQL of product images (catalog.product_images) and of their read model,
 * products.images: the ready images of a product, by position, as image-view.ts
 * reads them. Lock order, everywhere: the hash, then the product.
 */

export interface ImageRow {
  id: string
  product_id: number
  hash: string
  alt: string
  position: number
  status: ImageStatus
  error_code: string | null
  width: number | null
  height: number | null
  sizes: Size[] | null
  created_at: Date
}

const COLUMNS = 'id, product_id, hash, alt, position, status, error_code, width, height, sizes, created_at'

/**
 * Serialises everything that may add or remove a reference to the files of a
 * hash (uploads, deletions, demo pictures), across instances.
 */
export async function lockHash(tx: Queryable, hash: string): Promise<void> {
  await tx.query(`select pg_advisory_xact_lock(hashtextextended('catalog.image:' || $1, 0))`, [hash])
}

/** Locks a live product's row (its images change one at a time); false when there is none. */
export async function lockLiveProduct(tx: Queryable, productId: number): Promise<boolean> {
  const { rows } = await tx.query('select id from catalog.products where id = $1 and deleted_at is null for update', [productId])
  return rows.length === 1
}

export async function isLiveProduct(db: Queryable, productId: number): Promise<boolean> {
  const { rows } = await db.query('select 1 from catalog.products where id = $1 and deleted_at is null', [productId])
  return rows.length === 1
}

/** A new image after the product's others (its row locked by the caller). */
export async function insertImage(tx: Queryable, i: { productId: number; hash: string; alt: string; status: ImageStatus }): Promise<ImageRow> {
  const { rows } = await tx.query<ImageRow>(
    `insert into catalog.product_images (product_id, hash, alt, status, position)
     select $1, $2, $3, $4, coalesce(max(position) + 1, 0) from catalog.product_images where product_id = $1
     returning ${COLUMNS}`,
    [i.productId, i.hash, i.alt, i.status],
  )
  return rows[0]!
}

export async function findImage(db: Queryable, productId: number, imageId: string): Promise<ImageRow | undefined> {
  const { rows } = await db.query<ImageRow>(`select ${COLUMNS} from catalog.product_images where id = $1 and product_id = $2`, [imageId, productId])
  return rows[0]
}

export async function listImages(db: Queryable, productId: number): Promise<ImageRow[]> {
  const { rows } = await db.query<ImageRow>(`select ${COLUMNS} from catalog.product_images where product_id = $1 order by position`, [productId])
  return rows
}

/** Moves an image along a transition (image-states.ts); undefined when it is not in a `from` status (or gone). */
export async function moveImage(
  db: Queryable,
  imageId: string,
  t: ImageTransition,
  fields: { sizes?: Size[]; width?: number; height?: number; errorCode?: string },
): Promise<ImageRow | undefined> {
  const { rows } = await db.query<ImageRow>(
    `update catalog.product_images
        set status = $3, sizes = coalesce($4::jsonb, sizes), width = coalesce($5, width), height = coalesce($6, height),
            error_code = $7, updated_at = now()
      where id = $1 and status = any($2::text[])
      returning ${COLUMNS}`,
    [imageId, t.from, t.to, fields.sizes ? JSON.stringify(fields.sizes) : null, fields.width ?? null, fields.height ?? null, fields.errorCode ?? null],
  )
  return rows[0]
}

/** The images this process is making are alive. */
export async function touchImages(db: Queryable, imageIds: readonly string[], t: ImageTransition): Promise<void> {
  await db.query('update catalog.product_images set heartbeat_at = now() where id = any($1::uuid[]) and status = any($2::text[])', [imageIds, t.from])
}

/** Moves the images whose process stopped touching them `staleSeconds` ago; their ids. */
export async function moveStaleImages(db: Queryable, t: ImageTransition, staleSeconds: number, errorCode: string): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>(
    `update catalog.product_images set status = $2, error_code = $4, updated_at = now()
      where status = any($1::text[]) and heartbeat_at < now() - make_interval(secs => $3)
      returning id`,
    [t.from, t.to, staleSeconds, errorCode],
  )
  return rows.map((r) => r.id)
}

export async function setAlt(tx: Queryable, productId: number, imageId: string, alt: string): Promise<ImageRow | undefined> {
  const { rows } = await tx.query<ImageRow>(
    `update catalog.product_images set alt = $3, updated_at = now() where id = $1 and product_id = $2 returning ${COLUMNS}`,
    [imageId, productId, alt],
  )
  return rows[0]
}

/** Positions 0..n-1 in the order of `ids`, every image of the product listed (the caller checked). */
export async function reorderImages(tx: Queryable, productId: number, ids: readonly string[]): Promise<void> {
  await tx.query(
    `update catalog.product_images set position = array_position($2::uuid[], id) - 1, updated_at = now() where product_id = $1`,
    [productId, ids],
  )
}

export async function deleteImage(tx: Queryable, productId: number, imageId: string): Promise<boolean> {
  const r = await tx.query('delete from catalog.product_images where id = $1 and product_id = $2', [imageId, productId])
  return r.rowCount === 1
}

/** Some image row still points at the files of the hash. */
export async function isHashInUse(tx: Queryable, hash: string): Promise<boolean> {
  const { rows } = await tx.query('select 1 from catalog.product_images where hash = $1 limit 1', [hash])
  return rows.length === 1
}

/** Rewrites products.images, the read model the catalog answers carry: the ready images by position. */
export async function refreshReadModel(tx: Queryable, productIds: readonly number[]): Promise<void> {
  if (!productIds.length) return
  await tx.query(
    `update catalog.products p
        set images = coalesce((
              select jsonb_agg(jsonb_build_object('id', i.id, 'alt', i.alt, 'position', i.position, 'hash', i.hash, 'sizes', i.sizes) order by i.position)
                from catalog.product_images i where i.product_id = p.id and i.status = $2), '[]'::jsonb),
            updated_at = now()
      where p.id = any($1::bigint[])`,
    [productIds, IMAGE_READY_STATUS],
  )
}

// --- demo pictures ---------------------------------------------------------------

/** (category slug, colourway) pairs some demo product still waits for; colourway = id modulo colourways. */
export async function pendingDemoImages(db: Queryable, colourways: number): Promise<{ slug: string; colourway: number }[]> {
  const { rows } = await db.query<{ slug: string; colourway: number }>(
    `select distinct c.slug, (p.id % $1)::int as colourway
       from catalog.products p join catalog.categories c on c.id = p.category_id
      where p.needs_demo_image and p.deleted_at is null
      order by 1, 2`,
    [colourways],
  )
  return rows
}

/**
 * Gives the demo products of a category and colourway that wait for a picture
 * this one (ready: its files exist), unless an admin gave them one meanwhile,
 * and clears their flag. One statement; the ids of the products that got it.
 */
export async function attachDemoImage(
  tx: Queryable,
  d: { slug: string; colourway: number; colourways: number; hash: string; width: number; height: number; sizes: Size[] },
): Promise<number[]> {
  const { rows } = await tx.query<{ product_id: number }>(
    `with targets as (
       select p.id, p.name from catalog.products p join catalog.categories c on c.id = p.category_id
        where p.needs_demo_image and p.deleted_at is null and c.slug = $1 and p.id % $3 = $2
        for update of p
     ), cleared as (
       update catalog.products p set needs_demo_image = false from targets t where p.id = t.id
     )
     insert into catalog.product_images (product_id, hash, alt, position, status, width, height, sizes)
     select t.id, $4, left(t.name, 300), 0, $5, $6, $7, $8::jsonb from targets t
      where not exists (select 1 from catalog.product_images i where i.product_id = t.id)
     returning product_id`,
    [d.slug, d.colourway, d.colourways, d.hash, IMAGE_READY_STATUS, d.width, d.height, JSON.stringify(d.sizes)],
  )
  return rows.map((r) => r.product_id)
}
