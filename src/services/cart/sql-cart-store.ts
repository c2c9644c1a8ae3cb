import type { Db, Queryable } from '../../platform/db/db.js'
import {
  parseLineKey,
  planAdd,
  planMerge,
  sumOrdered,
  type AddResult,
  type CartStore,
  type CartStoreOptions,
  type StoredCart,
  type StoredLine,
} from './cart-store.js'

/**
 * The cart store on the service's own schema (`carts`), for the embedded
 * database; the same SQL runs on PostgreSQL. Each change is one transaction that
 * first locks the cart row, so changes of one cart never interleave. Every
 * statement of the cart service lives here.
 */
export function createSqlCartStore(db: Db, options: CartStoreOptions): CartStore {
  const ttl = options.ttlSeconds

  /** Locks the cart row (creating it when asked), after dropping it when it has expired. */
  async function lockCart(tx: Queryable, id: string, create: boolean): Promise<{ currency: string | null } | undefined> {
    await tx.query(`delete from carts.carts where id = $1 and touched_at <= now() - $2::integer * interval '1 second'`, [id, ttl])
    const { rows } = create
      ? await tx.query<{ currency: string | null }>(
          `insert into carts.carts (id) values ($1)
           on conflict (id) do update set touched_at = now() returning currency`,
          [id],
        )
      : await tx.query<{ currency: string | null }>('select currency from carts.carts where id = $1 for update', [id])
    return rows[0]
  }

  async function readLines(q: Queryable, id: string): Promise<StoredLine[]> {
    const { rows } = await q.query<{ product_id: number; variant_id: number; quantity: number; seen_price: number }>(
      'select product_id, variant_id, quantity, seen_price from carts.lines where cart_id = $1 order by line_no',
      [id],
    )
    return rows.map((r) => ({ productId: Number(r.product_id), variantId: Number(r.variant_id), quantity: r.quantity, seenPrice: r.seen_price }))
  }

  async function touch(tx: Queryable, id: string) {
    await tx.query('update carts.carts set touched_at = now() where id = $1', [id])
  }

  return {
    kind: 'sql',

    async get(id) {
      const { rows } = await db.query<{ currency: string | null; product_id: number | null; variant_id: number; quantity: number; seen_price: number }>(
        `with cart as (
           update carts.carts set touched_at = now()
           where id = $1 and touched_at > now() - $2::integer * interval '1 second'
           returning id, currency)
         select cart.currency, l.product_id, l.variant_id, l.quantity, l.seen_price
         from cart left join carts.lines l on l.cart_id = cart.id
         order by l.line_no`,
        [id, ttl],
      )
      if (rows.length === 0) return undefined
      const lines = rows
        .filter((r) => r.product_id !== null)
        .map((r) => ({ productId: Number(r.product_id), variantId: Number(r.variant_id), quantity: r.quantity, seenPrice: r.seen_price }))
      return { currency: lines.length > 0 ? (rows[0]!.currency?.trim() ?? null) : null, lines }
    },

    async add(id, line, limits) {
      const refused = new Refused()
      try {
        return await db.transaction(async (tx) => {
          const cart = await lockCart(tx, id, true)
          const current: StoredCart = { currency: cart?.currency?.trim() ?? null, lines: await readLines(tx, id) }
          const plan = planAdd(current, line, limits)
          if (!plan.ok) {
            refused.result = plan
            throw refused
          }
          await tx.query(
            `insert into carts.lines (cart_id, product_id, variant_id, quantity, seen_price) values ($1, $2, $5, $3, $4)
             on conflict (cart_id, product_id, variant_id) do update set quantity = excluded.quantity, seen_price = excluded.seen_price`,
            [id, line.productId, plan.quantity, line.unitPrice, line.variantId],
          )
          await tx.query('update carts.carts set currency = $2 where id = $1', [id, line.currency])
          return plan
        })
      } catch (err) {
        // A refusal rolls back the transaction: not even an empty cart is left behind.
        if (err === refused && refused.result) return refused.result
        throw err
      }
    },

    async setQuantity(id, line, quantity, seenPrice) {
      return db.transaction(async (tx) => {
        if (!(await lockCart(tx, id, false))) return false
        const r = await tx.query('update carts.lines set quantity = $3, seen_price = $4 where cart_id = $1 and product_id = $2 and variant_id = $5', [
          id,
          line.productId,
          quantity,
          seenPrice,
          line.variantId,
        ])
        if (r.rowCount === 0) return false
        await touch(tx, id)
        return true
      })
    },

    async remove(id, line) {
      return db.transaction(async (tx) => {
        if (!(await lockCart(tx, id, false))) return false
        const r = await tx.query('delete from carts.lines where cart_id = $1 and product_id = $2 and variant_id = $3', [id, line.productId, line.variantId])
        if (r.rowCount === 0) return false
        await touch(tx, id)
        return true
      })
    },

    async clear(id) {
      await db.transaction(async (tx) => {
        if (!(await lockCart(tx, id, false))) return
        await tx.query('delete from carts.lines where cart_id = $1', [id])
        await tx.query('update carts.carts set currency = null, touched_at = now() where id = $1', [id])
      })
    },

    async merge(fromId, intoId, caps, limits) {
      return db.transaction(async (tx) => {
        // The guest cart first: of two merges at once, the second waits here and then finds it gone.
        const from = await lockCart(tx, fromId, false)
        if (!from) return null
        const fromCart: StoredCart = { currency: from.currency?.trim() ?? null, lines: await readLines(tx, fromId) }
        await tx.query('delete from carts.carts where id = $1', [fromId])
        const into = await lockCart(tx, intoId, true)
        const intoCart: StoredCart = { currency: into?.currency?.trim() ?? null, lines: await readLines(tx, intoId) }
        const plan = planMerge(fromCart, intoCart, caps, limits)
        for (const w of plan.writes) {
          if (w.isNew) {
            await tx.query('insert into carts.lines (cart_id, product_id, variant_id, quantity, seen_price) values ($1, $2, $5, $3, $4)', [
              intoId,
              w.productId,
              w.quantity,
              w.seenPrice,
              w.variantId,
            ])
          } else {
            await tx.query('update carts.lines set quantity = $3 where cart_id = $1 and product_id = $2 and variant_id = $4', [intoId, w.productId, w.quantity, w.variantId])
          }
        }
        if (plan.currency !== null) await tx.query('update carts.carts set currency = $2 where id = $1', [intoId, plan.currency])
        return plan.outcomes
      })
    },

    async removeOrdered(id, orderId, lines) {
      return db.transaction(async (tx) => {
        await lockCart(tx, id, true)
        await tx.query(`delete from carts.processed_orders where cart_id = $1 and processed_at <= now() - $2::integer * interval '1 second'`, [id, ttl])
        const claimed = await tx.query(
          'insert into carts.processed_orders (cart_id, order_id) values ($1, $2) on conflict do nothing returning order_id',
          [id, orderId],
        )
        if (claimed.rows.length === 0) return false
        const sums = [...sumOrdered(lines)].map(([key, quantity]) => ({ ...parseLineKey(key), quantity }))
        const params = [id, sums.map((l) => l.productId), sums.map((l) => l.variantId), sums.map((l) => l.quantity)]
        await tx.query(
          `delete from carts.lines l using unnest($2::bigint[], $3::bigint[], $4::integer[]) as o(product_id, variant_id, quantity)
           where l.cart_id = $1 and l.product_id = o.product_id and l.variant_id = o.variant_id and l.quantity <= o.quantity`,
          params,
        )
        await tx.query(
          `update carts.lines l set quantity = l.quantity - o.quantity
           from unnest($2::bigint[], $3::bigint[], $4::integer[]) as o(product_id, variant_id, quantity)
           where l.cart_id = $1 and l.product_id = o.product_id and l.variant_id = o.variant_id`,
          params,
        )
        return true
      })
    },

    async sweep() {
      const r = await db.query(`delete from carts.carts where touched_at <= now() - $1::integer * interval '1 second'`, [ttl])
      return r.rowCount
    },
  }
}

/** Carries a refusal out of the transaction so that it rolls back. */
class Refused extends Error {
  result?: AddResult
}
