import type { Reservation, ReservationLineRequest } from '../../contracts/product.js'
import { PgCode, pgCode, type Queryable } from '../../platform/db/db.js'
import type { AppError } from '../../platform/errors.js'
import { NS, type ProductDeps } from './product.js'
import { outOfStock, productUnavailable, variantRequired } from './errors.js'
import { canMove, RESERVATION_TRANSITIONS, type ReservationTransition } from './reservation-states.js'
import * as store from './stock-store.js'
import type { ReservationRow } from './stock-store.js'

/**
 * Stock has one owner: this service, and it is counted per variant (a product's
 * stock is the sum of its live variants'). A reservation takes the stock of every
 * line's variant in one transaction (product rows locked in product-id order, then
 * variant rows in variant-id order, a conditional decrement that cannot go below
 * zero), keyed by the order id so that reserving twice is a no-op. The order's events confirm it (paid) or release it
 * (cancelled); a reservation whose order never got written expires.
 */

export function toReservation(r: ReservationRow): Reservation {
  return { orderId: r.order_id, status: r.status, lines: r.lines, expiresAt: r.expires_at.toISOString() }
}

export interface NormalLine {
  productId: number
  /** null: the product's only variant. */
  variantId: number | null
  quantity: number
}

/** One line per product and variant, quantities added, in (product id, variant id) order. */
export function normalizeLines(lines: readonly { productId: number; variantId?: number | null | undefined; quantity: number }[]): NormalLine[] {
  const byKey = new Map<string, NormalLine>()
  for (const l of lines) {
    const variantId = l.variantId ?? null
    const key = `${l.productId}:${variantId ?? ''}`
    const seen = byKey.get(key)
    if (seen) seen.quantity += l.quantity
    else byKey.set(key, { productId: l.productId, variantId, quantity: l.quantity })
  }
  return [...byKey.values()].sort((a, b) => a.productId - b.productId || (a.variantId ?? 0) - (b.variantId ?? 0))
}

export async function reserveStock(deps: ProductDeps, orderId: string, requested: readonly ReservationLineRequest[], ttlSeconds: number): Promise<Reservation> {
  const lines = normalizeLines(requested)
  let result
  try {
    result = await store.reserveAtomically(deps.db, orderId, lines, ttlSeconds)
  } catch (err) {
    // This order id holds a reservation already (a retry): answer with it, nothing changed.
    if (pgCode(err) !== PgCode.uniqueViolation) throw err
    const existing = await store.findReservation(deps.db, orderId)
    if (!existing) throw err
    return toReservation(existing)
  }
  if (!result.ok || !result.reservation) throw refusal(lines, result)
  await forgetCachedProducts(deps, result.products)
  return toReservation(result.reservation)
}

/** Why a reservation was refused: the first line that fails, in line order. */
function refusal(lines: readonly NormalLine[], result: store.AtomicReservation): AppError {
  const products = new Map(result.products.map((p) => [p.id, p]))
  const variants = new Map(result.variants.map((v) => [v.id, v]))
  // Several lines may resolve to one variant (one without variantId, one naming it).
  const wanted = new Map<number, number>()
  lines.forEach((l, i) => {
    const vid = result.resolved[i]
    if (vid != null) wanted.set(vid, (wanted.get(vid) ?? 0) + l.quantity)
  })
  for (const [i, l] of lines.entries()) {
    const p = products.get(l.productId)
    if (!p || !p.live) return productUnavailable(l.productId)
    const vid = result.resolved[i]
    // No variant named and not exactly one live: a live product keeps at least one (LAST_VARIANT), so several.
    if (vid == null) return variantRequired(l.productId)
    const v = variants.get(vid)
    if (!v || !v.live || v.productId !== l.productId) return productUnavailable(l.productId)
    const want = wanted.get(vid)!
    if (v.stock < want) return outOfStock({ productId: l.productId, name: p.name, stock: v.stock, wanted: want })
  }
  return outOfStock()
}

/** Puts the stock of a reservation back, once; null when there is no such reservation. */
export async function releaseReservation(deps: ProductDeps, orderId: string): Promise<Reservation | null> {
  const result = await deps.db.transaction(async (tx) => {
    const r = await store.findReservation(tx, orderId, true)
    if (!r) return null
    const release = RESERVATION_TRANSITIONS.release
    if (!canMove(r.status, release)) return { row: r, touched: [] }
    return { row: { ...r, status: release.to }, touched: await giveBack(tx, r, release) }
  })
  if (!result) return null
  await forgetCachedProducts(deps, result.touched)
  return toReservation(result.row)
}

/** Puts a locked reservation's stock back and moves it along the transition (release, expire); returns the products touched. */
async function giveBack(tx: Queryable, r: ReservationRow, transition: ReservationTransition): Promise<store.StockRow[]> {
  const locked = await store.lockProductsForStock(tx, [...new Set(r.lines.map((l) => l.productId))].sort((a, b) => a - b))
  await store.incrementStock(tx, r.lines)
  await store.moveReservation(tx, r.order_id, transition)
  return locked
}

/** order.placed: the order exists, so the reservation no longer expires on its own. */
export async function attachReservation(tx: Queryable, orderId: string): Promise<void> {
  await store.moveReservation(tx, orderId, RESERVATION_TRANSITIONS.attach)
}

/** order.paid: the sale is final; it counts for popularity and bought-together. Returns false when nothing changed. */
export async function confirmReservation(tx: Queryable, orderId: string, log?: { error(o: object, m: string): void }): Promise<boolean> {
  const confirm = RESERVATION_TRANSITIONS.confirm
  const lines = await store.moveReservation(tx, orderId, confirm)
  if (!lines) {
    const r = await store.findReservation(tx, orderId)
    // Paid, but the stock went back (the reservation expired before order.placed arrived):
    // someone must look at it. The reservation TTL is set far above any normal delay.
    if (r?.status !== confirm.to) log?.error({ orderId, status: r?.status ?? 'missing' }, 'order paid but its stock reservation was released or is missing')
    return false
  }
  await store.recordSale(tx, lines)
  return true
}

/** order.cancelled: the stock goes back. Returns the products whose stock changed. */
export async function releaseInTransaction(tx: Queryable, orderId: string): Promise<store.StockRow[]> {
  const r = await store.findReservation(tx, orderId, true)
  const release = RESERVATION_TRANSITIONS.release
  if (!r || !canMove(r.status, release)) return []
  return giveBack(tx, r, release)
}

/** Releases held reservations whose order never got written; returns how many. */
export async function releaseExpired(deps: ProductDeps, limit = 100): Promise<number> {
  const expire = RESERVATION_TRANSITIONS.expire
  const ids = await store.listExpiredReservations(deps.db, limit, expire)
  let released = 0
  for (const id of ids) {
    const done = await deps.db.transaction(async (tx) => {
      const r = await store.findReservation(tx, id, true)
      // Re-checked under the lock: order.placed may have attached it meanwhile.
      if (!r || !canMove(r.status, expire) || r.expires_at.getTime() > Date.now()) return undefined
      return giveBack(tx, r, expire)
    })
    if (done) {
      released++
      await forgetCachedProducts(deps, done)
    }
  }
  return released
}

/** Stock changed: the product pages must show it at once; lists may lag by their TTL. */
export async function forgetCachedProducts(deps: Pick<ProductDeps, 'cache'>, products: readonly { id: number; slug: string }[]) {
  if (products.length) await deps.cache.invalidateKeys(NS.products, products.flatMap((p) => [`one:${p.id}`, `one:${p.slug}`]))
}
