import type { ReservationStatus, ReservedLine } from '../../contracts/product.js'
import type { Queryable } from '../../platform/db/db.js'
import { RESERVATION_INITIAL_STATUS, type ReservationTransition } from './reservation-states.js'

/**
 * The SQL of stock and reservations (the product service owns stock): the
 * atomic reservation, giving stock back, reservation states, and what a paid
 * order teaches (popularity, bought-together pairs).
 */

export interface StockRow {
  id: number
  slug: string
  stock: number
  live: boolean
  name: string
}

/** A variant as the reservation locked it. */
export interface VariantStockRow {
  id: number
  productId: number
  stock: number
  live: boolean
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
  /** The variants asked for, as locked. */
  variants: VariantStockRow[]
  /** Per request line (in order): the variant it resolved to; null when none (several, or none live). */
  resolved: (number | null)[]
  reservation: ReservationRow | undefined
}

/**
 * The whole reservation in one round trip: catalog.reserve_stock (product migration
 * 006 has its rules). It locks the products, then the variants, each in id order,
 * before it reads or changes them, so under concurrent checkouts no statement has to
 * re-check rows changed while it waited. A second reservation for the same order fails
 * on the primary key and changes nothing.
 */
export async function reserveAtomically(
  db: Queryable,
  orderId: string,
  lines: readonly { productId: number; variantId: number | null; quantity: number }[],
  ttlSeconds: number,
): Promise<AtomicReservation> {
  const { rows } = await db.query<{
    ok: boolean
    products: StockRow[] | null
    variants: VariantStockRow[] | null
    resolved: (number | null)[] | null
    order_id: string | null
    status: ReservationRow['status'] | null
    lines: ReservationRow['lines'] | null
    expires_at: Date | null
  }>(
    `select ok, products, variants, resolved, order_id, status, lines, expires_at
     from catalog.reserve_stock($1::uuid, $2::bigint[], $3::bigint[], $4::int[], $5::int, $6::text)`,
    [orderId, lines.map((l) => l.productId), lines.map((l) => l.variantId), lines.map((l) => l.quantity), ttlSeconds, RESERVATION_INITIAL_STATUS],
  )
  const r = rows[0]!
  return {
    ok: r.ok,
    products: r.products ?? [],
    variants: r.variants ?? [],
    resolved: (r.resolved ?? []).map((v) => (v === null ? null : Number(v))),
    reservation: r.order_id ? { order_id: r.order_id, status: r.status!, lines: r.lines!, expires_at: r.expires_at! } : undefined,
  }
}

/**
 * Gives stock back to the lines' variants and the same to their products' totals
 * (the products must be locked first: lockProductsForStock). A line without a
 * variant (a reservation made before variants existed) goes to the product's
 * first variant, its default one. A deleted variant's stock no longer counts in its
 * product's total, so only live variants add to it.
 */
export async function incrementStock(tx: Queryable, lines: readonly { productId: number; variantId?: number | undefined; quantity: number }[]): Promise<void> {
  await tx.query(
    `with l as (
       select r.pid, coalesce(r.vid, (select min(v.id) from catalog.variants v where v.product_id = r.pid)) as vid, r.q
       from unnest($1::bigint[], $2::bigint[], $3::int[]) as r(pid, vid, q)
     ), agg as (
       select vid, sum(q)::int as q from l group by vid
     ), vupd as (
       update catalog.variants v set stock = v.stock + agg.q, updated_at = now()
       from agg where v.id = agg.vid
       returning v.product_id, agg.q, v.deleted_at is null as live
     )
     update catalog.products p set stock = p.stock + s.q, updated_at = now()
     from (select product_id, sum(q)::int as q from vupd where live group by product_id) s
     where p.id = s.product_id`,
    [lines.map((l) => l.productId), lines.map((l) => l.variantId ?? null), lines.map((l) => l.quantity)],
  )
}

export interface ReservationRow {
  order_id: string
  status: ReservationStatus
  lines: ReservedLine[]
  expires_at: Date
}

export async function findReservation(q: Queryable, orderId: string, forUpdate = false): Promise<ReservationRow | undefined> {
  const { rows } = await q.query<ReservationRow>(
    `select order_id, status, lines, expires_at from catalog.reservations where order_id = $1${forUpdate ? ' for update' : ''}`,
    [orderId],
  )
  return rows[0]
}

/** Moves a reservation along a transition (reservation-states.ts); its lines, or undefined when it was not in a from-status. */
export async function moveReservation(tx: Queryable, orderId: string, transition: ReservationTransition): Promise<ReservationRow['lines'] | undefined> {
  const { rows } = await tx.query<{ lines: ReservationRow['lines'] }>(
    `update catalog.reservations set status = $3, updated_at = now() where order_id = $1 and status = any($2::text[]) returning lines`,
    [orderId, transition.from, transition.to],
  )
  return rows[0]?.lines
}

/** Reservations past their expiry that may still expire (held: their order was never written). */
export async function listExpiredReservations(db: Queryable, limit: number, expire: ReservationTransition): Promise<string[]> {
  const { rows } = await db.query<{ order_id: string }>(
    `select order_id from catalog.reservations where status = any($2::text[]) and expires_at < now() order by expires_at limit $1`,
    [limit, expire.from],
  )
  return rows.map((r) => r.order_id)
}

/** Units sold raise popularity; every pair of products in one order counts as bought together. */
export async function recordSale(tx: Queryable, sold: readonly { productId: number; quantity: number }[]): Promise<void> {
  // One line per product (an order may hold several variants of one): an update joined twice to a row changes it once.
  const perProduct = new Map<number, number>()
  for (const l of sold) perProduct.set(l.productId, (perProduct.get(l.productId) ?? 0) + l.quantity)
  const lines = [...perProduct].map(([productId, quantity]) => ({ productId, quantity }))
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

/** Live products with at most `threshold` units, fewest first (the admin dashboard's low-stock list). */
export async function listLowStock(db: Queryable, threshold: number, limit: number): Promise<{ id: number; slug: string; name: string; stock: number }[]> {
  const { rows } = await db.query<{ id: number; slug: string; name: string; stock: number }>(
    `select id, slug, name, stock from catalog.products
      where deleted_at is null and stock <= $1 order by stock, id limit $2`,
    [threshold, limit],
  )
  return rows
}
