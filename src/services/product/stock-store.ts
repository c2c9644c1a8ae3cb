import type { ReservationStatus } from '../../contracts/product.js'
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
       select $1, $5::text,
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
    [orderId, lines.map((l) => l.productId), lines.map((l) => l.quantity), ttlSeconds, RESERVATION_INITIAL_STATUS],
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
  status: ReservationStatus
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

/** Live products with at most `threshold` units, fewest first (the admin dashboard's low-stock list). */
export async function listLowStock(db: Queryable, threshold: number, limit: number): Promise<{ id: number; slug: string; name: string; stock: number }[]> {
  const { rows } = await db.query<{ id: number; slug: string; name: string; stock: number }>(
    `select id, slug, name, stock from catalog.products
      where deleted_at is null and stock <= $1 order by stock, id limit $2`,
    [threshold, limit],
  )
  return rows
}
