import type { Queryable } from '../../platform/db/db.js'
import type { Promotion } from './pricing.js'
import type { OffRules } from './pricing-store.js'

/** The SQL of automatic promotions (orders.promotions); checkouts read the running ones with the rest of the shop's rules (pricing-store.ts). */

export type PromotionRow = Promotion & { starts_at: Date | null; ends_at: Date | null; active: boolean; created_at: Date }

const COLUMNS = 'id, name, kind, percent_off, amount_off, currency, min_subtotal, starts_at, ends_at, active, created_at'

export async function insertPromotion(q: Queryable, p: OffRules & { name: string }): Promise<PromotionRow> {
  const { rows } = await q.query<PromotionRow>(
    `insert into orders.promotions (name, kind, percent_off, amount_off, currency, min_subtotal, starts_at, ends_at)
     values ($1, $2, $3, $4, $5, $6, $7, $8) returning ${COLUMNS}`,
    [p.name, p.kind, p.percentOff, p.amountOff, p.currency, p.minSubtotal, p.startsAt, p.endsAt],
  )
  return rows[0]!
}

export async function listPromotions(q: Queryable): Promise<PromotionRow[]> {
  const { rows } = await q.query<PromotionRow>(`select ${COLUMNS} from orders.promotions order by created_at desc, id desc`)
  return rows
}

/** Orders placed with it keep it; new checkouts no longer get it. */
export async function deactivatePromotion(q: Queryable, id: number): Promise<PromotionRow | undefined> {
  const { rows } = await q.query<PromotionRow>(`update orders.promotions set active = false where id = $1 returning ${COLUMNS}`, [id])
  return rows[0]
}
