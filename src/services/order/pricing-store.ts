import { PgCode, pgCode, type Queryable } from '../../platform/db/db.js'
import { discountCodeExists } from './errors.js'
import type { DiscountCode, PricingContext, Promotion, ShippingOption, TaxRate } from './pricing.js'
import { NOT_STANDING } from './state-machine.js'

/**
 * The SQL of discount codes, shipping options and tax rates (schema `orders`).
 * A code's uses are counted from the orders that carry it and stand (statuses
 * from state-machine.ts, as a parameter), so a failed or cancelled order gives
 * its use back without a write of its own.
 */

const CODE_COLUMNS = `id, code, kind, percent_off, amount_off, currency, min_subtotal, starts_at, ends_at,
  max_uses, max_uses_per_customer, active`

/**
 * The shop's rules for addresses in one country, the same for every customer (quote.ts
 * caches them): whether the shop ships at all, its options for the country (cheapest
 * first), the country's tax rates (the country-wide one has region ''), and the
 * active promotions not yet ended, with their windows (the caller keeps the running ones).
 */
export interface ShopRules {
  ships: boolean
  options: ShippingOption[]
  taxRates: TaxRate[]
  promotions: TimedPromotion[]
}

/** A promotion with its window, as ISO strings (they travel through the cache as JSON). */
export type TimedPromotion = Promotion & { starts_at: string | null; ends_at: string | null }

export async function loadShopRules(q: Queryable, country: string): Promise<ShopRules> {
  const { rows } = await q.query<ShopRules>(
    `select exists (select 1 from orders.shipping_options where active) as ships,
       (select coalesce(json_agg(json_build_object('id', id, 'name', name, 'currency', currency, 'price', price, 'free_above', free_above,
            'weight_rates', weight_rates) order by price, id), '[]')
          from orders.shipping_options where active and $1 = any(countries)) as options,
       (select coalesce(json_agg(to_jsonb(t) - 'updated_at' order by region), '[]') from orders.tax_rates t where country = $1) as "taxRates",
       (select coalesce(json_agg(json_build_object('id', id, 'name', name, 'kind', kind, 'percent_off', percent_off, 'amount_off', amount_off,
            'currency', currency, 'min_subtotal', min_subtotal, 'starts_at', starts_at, 'ends_at', ends_at) order by id), '[]')
          from orders.promotions where active and (ends_at is null or ends_at > now())) as promotions`,
    [country],
  )
  return rows[0]!
}

/** The code asked for with its standing uses (null when there is no such code), and the database's clock for its window. */
export async function loadCode(q: Queryable, code: string, userId: string): Promise<{ now: Date; code: PricingContext['code'] }> {
  const params: unknown[] = []
  const { rows } = await q.query<{ now: Date; code: PricingContext['code'] }>(`select now() as now, ${codeWithUses(params, code, userId)} as code`, params)
  return { now: new Date(rows[0]!.now), code: rows[0]!.code }
}

/** The asked code with its standing uses (counted only when it has a limit), as a subquery; its parameters go on params. */
function codeWithUses(params: unknown[], code: string, userId: string): string {
  params.push(code, NOT_STANDING, userId)
  const [c, statuses, user] = [params.length - 2, params.length - 1, params.length].map((n) => `$${n}`)
  return `(select to_jsonb(d) || jsonb_build_object(
             'uses', case when d.max_uses is null then 0 else (select count(*) from orders.orders o where o.discount_code_id = d.id and o.status <> all(${statuses}::text[])) end,
             'customer_uses', case when d.max_uses_per_customer is null then 0 else (select count(*) from orders.orders o
                where o.discount_code_id = d.id and o.user_id = ${user} and o.status <> all(${statuses}::text[])) end)
           from (select ${CODE_COLUMNS} from orders.discount_codes where code = ${c}) d)`
}

/**
 * Takes the code's row lock for the rest of the transaction: checkouts with one
 * code queue here, each counts the uses the ones before it committed (a new
 * statement sees them under read committed), so a limit holds under any
 * concurrency, as the stock's conditional update does.
 */
export async function lockDiscountCode(tx: Queryable, id: number): Promise<{ code: DiscountCode; now: Date }> {
  const { rows } = await tx.query<DiscountCode & { now: Date }>(`select ${CODE_COLUMNS}, now() as now from orders.discount_codes where id = $1 for update`, [id])
  const { now, ...code } = rows[0]!
  return { code, now: new Date(now) }
}

/** Run after lockDiscountCode, as its own statement. */
export async function countCodeUses(tx: Queryable, id: number, userId: string): Promise<{ uses: number; customerUses: number }> {
  const { rows } = await tx.query<{ uses: number; customer_uses: number }>(
    `select count(*)::int as uses, (count(*) filter (where user_id = $2))::int as customer_uses
     from orders.orders where discount_code_id = $1 and status <> all($3::text[])`,
    [id, userId, NOT_STANDING],
  )
  return { uses: rows[0]!.uses, customerUses: rows[0]!.customer_uses }
}

/** What a code or a promotion takes off, and when. */
export interface OffRules {
  kind: 'percentage' | 'fixed'
  percentOff: number | null
  amountOff: number | null
  currency: string | null
  minSubtotal: number
  startsAt: string | null
  endsAt: string | null
}

export interface NewDiscountCode extends OffRules {
  code: string
  maxUses: number | null
  maxUsesPerCustomer: number | null
}

export type DiscountCodeRow = DiscountCode & { uses: number; created_at: Date }

const WITH_USES = `${CODE_COLUMNS}, created_at,
  (select count(*)::int from orders.orders o where o.discount_code_id = d.id and o.status <> all($1::text[])) as uses`

export async function insertDiscountCode(q: Queryable, c: NewDiscountCode): Promise<DiscountCodeRow> {
  try {
    const { rows } = await q.query<DiscountCodeRow>(
      `insert into orders.discount_codes as d (code, kind, percent_off, amount_off, currency, min_subtotal, starts_at, ends_at, max_uses, max_uses_per_customer)
       values ($2, $3, $4, $5, $6, $7, $8, $9, $10, $11) returning ${WITH_USES}`,
      [NOT_STANDING, c.code, c.kind, c.percentOff, c.amountOff, c.currency, c.minSubtotal, c.startsAt, c.endsAt, c.maxUses, c.maxUsesPerCustomer],
    )
    return rows[0]!
  } catch (err) {
    if (pgCode(err) === PgCode.uniqueViolation) throw discountCodeExists(c.code)
    throw err
  }
}

export async function listDiscountCodes(q: Queryable): Promise<DiscountCodeRow[]> {
  const { rows } = await q.query<DiscountCodeRow>(`select ${WITH_USES} from orders.discount_codes d order by created_at desc, id desc`, [NOT_STANDING])
  return rows
}

/** Orders already placed with it keep it; new checkouts refuse it. */
export async function deactivateDiscountCode(q: Queryable, code: string): Promise<DiscountCodeRow | undefined> {
  const { rows } = await q.query<DiscountCodeRow>(`update orders.discount_codes d set active = false where code = $2 returning ${WITH_USES}`, [NOT_STANDING, code])
  return rows[0]
}

export type ShippingOptionRow = ShippingOption & { countries: string[]; active: boolean }

const OPTION_COLUMNS = 'id, name, countries, currency, price, free_above, weight_rates, active'

export async function insertShippingOption(
  q: Queryable,
  o: { name: string; countries: string[]; currency: string; price: number; freeAbove: number | null; weightRates: ShippingOption['weight_rates'] },
): Promise<ShippingOptionRow> {
  const { rows } = await q.query<ShippingOptionRow>(
    `insert into orders.shipping_options (name, countries, currency, price, free_above, weight_rates) values ($1, $2, $3, $4, $5, $6) returning ${OPTION_COLUMNS}`,
    [o.name, o.countries, o.currency, o.price, o.freeAbove, o.weightRates === null ? null : JSON.stringify(o.weightRates)],
  )
  return rows[0]!
}

export async function listShippingOptions(q: Queryable): Promise<ShippingOptionRow[]> {
  const { rows } = await q.query<ShippingOptionRow>(`select ${OPTION_COLUMNS} from orders.shipping_options order by id`)
  return rows
}

export async function deactivateShippingOption(q: Queryable, id: number): Promise<ShippingOptionRow | undefined> {
  const { rows } = await q.query<ShippingOptionRow>(`update orders.shipping_options set active = false where id = $1 returning ${OPTION_COLUMNS}`, [id])
  return rows[0]
}

export async function putTaxRate(q: Queryable, r: TaxRate): Promise<TaxRate> {
  const { rows } = await q.query<TaxRate>(
    `insert into orders.tax_rates (country, region, name, rate_bp) values ($1, $2, $3, $4)
     on conflict (country, region) do update set name = excluded.name, rate_bp = excluded.rate_bp, updated_at = now()
     returning country, region, name, rate_bp`,
    [r.country, r.region, r.name, r.rate_bp],
  )
  return rows[0]!
}

export async function listTaxRates(q: Queryable): Promise<TaxRate[]> {
  const { rows } = await q.query<TaxRate>('select country, region, name, rate_bp from orders.tax_rates order by country, region')
  return rows
}

export async function deleteTaxRate(q: Queryable, country: string, region: string): Promise<boolean> {
  const r = await q.query('delete from orders.tax_rates where country = $1 and region = $2', [country, region])
  return r.rowCount === 1
}
