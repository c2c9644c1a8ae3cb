import {
  discountCodeCurrency,
  discountCodeCustomerLimit,
  discountCodeExpired,
  discountCodeInvalid,
  discountCodeMinimum,
  discountCodeNotStarted,
  discountCodeUsedUp,
  shippingOptionUnavailable,
  shippingUnavailable,
} from './errors.js'
import { percentOf, taxInGross, taxOnNet } from './money.js'

/**
 * What an order costs, as pure functions: goods, minus an automatic promotion,
 * minus a discount code, plus shipping, with tax. The rules, in order:
 *
 *   promotion the running promotion worth most to this cart (its minimum reached, its currency);
 *             percentage of the subtotal (rounded half up) or a fixed amount (at most the subtotal)
 *   discount  the code, on what the promotion left: a percentage of it or a fixed amount (at most
 *             it); its minimum is checked against the subtotal
 *   shipping  the chosen option's price (flat, or the first weight bracket the parcel fits), 0 when
 *             the goods after the discounts reach its freeAbove; no choice: the cheapest option for
 *             the country; a shop with no options: no shipping
 *   tax       the country's rate (a region's own rate where it has one) on goods after discount
 *             plus shipping, rounded once per order; with prices that include tax it is the part
 *             of that amount that is tax, and the total does not grow
 */

export interface DiscountCode {
  id: number
  code: string
  kind: 'percentage' | 'fixed'
  percent_off: number | null
  amount_off: number | null
  currency: string | null
  min_subtotal: number
  starts_at: Date | string | null
  ends_at: Date | string | null
  max_uses: number | null
  max_uses_per_customer: number | null
  active: boolean
}

export interface ShippingOption {
  id: number
  name: string
  currency: string
  price: number
  free_above: number | null
  /** Weight brackets, lightest first; null: the flat price. */
  weight_rates: WeightRate[] | null
}

export interface WeightRate {
  upToGrams: number
  price: number
}

/** An automatic promotion (running and active, as read for a checkout). */
export interface Promotion {
  id: number
  name: string
  kind: 'percentage' | 'fixed'
  percent_off: number | null
  amount_off: number | null
  currency: string | null
  min_subtotal: number
}

export interface TaxRate {
  country: string
  region: string
  name: string
  rate_bp: number
}

/** The shop's rules that apply to one customer's checkout, read in one statement (pricing-store.ts). */
export interface PricingContext {
  now: Date
  /** The shop has any active shipping option (else orders have no shipping, as before). */
  shipsAnywhere: boolean
  /** Active options for the address's country, any currency, cheapest first. */
  shippingOptions: ShippingOption[]
  taxRate: TaxRate | null
  /** The promotions running now (active, started, not ended). */
  promotions: Promotion[]
  /** The code asked for, with its standing uses (total, this customer's); null when unknown. */
  code: (DiscountCode & { uses: number; customer_uses: number }) | null
  pricesIncludeTax: boolean
}

export interface PricingChoice {
  country: string
  discountCode?: string
  shippingOption?: number
}

export interface TaxLine {
  name: string
  country: string
  region: string | null
  rateBasisPoints: number
  amount: number
}

export interface Breakdown {
  currency: string
  subtotal: number
  promotion: { promotionId: number; name: string; amount: number } | null
  discount: { codeId: number; code: string; amount: number } | null
  /** What the customer may choose from for this address and cart, with their prices for this cart. */
  shippingOptions: { id: number; name: string; price: number }[]
  shipping: { optionId: number; name: string; amount: number } | null
  taxLines: TaxLine[]
  tax: number
  total: number
  pricesIncludeTax: boolean
}

/** Refusals that do not need the cart's prices: asked before any stock is held. */
export function precheck(ctx: PricingContext, choice: PricingChoice): void {
  if (choice.discountCode !== undefined) usableCode(ctx, choice.discountCode)
  if (choice.shippingOption !== undefined && !ctx.shippingOptions.some((o) => o.id === choice.shippingOption)) {
    throw shippingOptionUnavailable(choice.shippingOption, choice.country)
  }
  if (ctx.shipsAnywhere && ctx.shippingOptions.length === 0) throw shippingUnavailable(choice.country)
}

/** weightGrams: the parcel (every unit's weight); it only matters to weight-priced options. */
export function priceOrder(ctx: PricingContext, choice: PricingChoice, currency: string, subtotal: number, weightGrams = 0): Breakdown {
  const promotion = bestPromotion(ctx.promotions, currency, subtotal)
  const afterPromotion = subtotal - (promotion?.amount ?? 0)
  const discount = choice.discountCode === undefined ? null : discountFor(usableCode(ctx, choice.discountCode), currency, subtotal, afterPromotion)
  const goods = afterPromotion - (discount?.amount ?? 0)
  const options = ctx.shippingOptions
    .filter((o) => o.currency === currency)
    .flatMap((o) => {
      const price = shippingPrice(o, weightGrams)
      if (price === undefined) return []
      return [{ id: o.id, name: o.name, price: o.free_above !== null && goods >= o.free_above ? 0 : price }]
    })
    .sort((a, b) => a.price - b.price || a.id - b.id)
  const shipping = chooseShipping(ctx, choice, options)
  const base = goods + (shipping?.amount ?? 0)
  const rate = ctx.taxRate
  const tax = rate ? (ctx.pricesIncludeTax ? taxInGross(base, rate.rate_bp) : taxOnNet(base, rate.rate_bp)) : 0
  const taxLines = rate ? [{ name: rate.name, country: rate.country, region: rate.region || null, rateBasisPoints: rate.rate_bp, amount: tax }] : []
  return {
    currency,
    subtotal,
    promotion,
    discount,
    shippingOptions: options,
    shipping,
    taxLines,
    tax,
    total: base + (ctx.pricesIncludeTax ? 0 : tax),
    pricesIncludeTax: ctx.pricesIncludeTax,
  }
}

function chooseShipping(ctx: PricingContext, choice: PricingChoice, options: Breakdown['shippingOptions']): Breakdown['shipping'] {
  if (choice.shippingOption !== undefined) {
    const chosen = options.find((o) => o.id === choice.shippingOption)
    if (!chosen) throw shippingOptionUnavailable(choice.shippingOption, choice.country)
    return { optionId: chosen.id, name: chosen.name, amount: chosen.price }
  }
  const cheapest = options[0]
  if (cheapest) return { optionId: cheapest.id, name: cheapest.name, amount: cheapest.price }
  if (ctx.shipsAnywhere) throw shippingUnavailable(choice.country)
  return null
}

function usableCode(ctx: PricingContext, asked: string): DiscountCode {
  const code = ctx.code
  if (!code || !code.active) throw discountCodeInvalid(asked)
  checkCodeWindow(code, ctx.now)
  checkCodeUses(code, code.uses, code.customer_uses)
  return code
}

/** Deactivated, not started or ended: refused (checked again under the code's lock at checkout). */
export function checkCodeWindow(code: DiscountCode, now: Date): void {
  if (!code.active) throw discountCodeInvalid(code.code)
  if (code.starts_at !== null && new Date(code.starts_at) > now) throw discountCodeNotStarted(code.code, new Date(code.starts_at).toISOString())
  if (code.ends_at !== null && new Date(code.ends_at) <= now) throw discountCodeExpired(code.code, new Date(code.ends_at).toISOString())
}

/** uses: the orders that carry the code and stand; customerUses: this customer's among them. */
export function checkCodeUses(code: DiscountCode, uses: number, customerUses: number): void {
  if (code.max_uses !== null && uses >= code.max_uses) throw discountCodeUsedUp(code.code)
  if (code.max_uses_per_customer !== null && customerUses >= code.max_uses_per_customer) throw discountCodeCustomerLimit(code.code)
}

/** The code's minimum is the subtotal's; its amount comes off what the promotion left (`base`). */
function discountFor(code: DiscountCode, currency: string, subtotal: number, base: number): NonNullable<Breakdown['discount']> {
  if (code.currency !== null && code.currency !== currency) throw discountCodeCurrency(code.code, code.currency)
  if (subtotal < code.min_subtotal) throw discountCodeMinimum(code.code, code.min_subtotal, currency)
  return { codeId: code.id, code: code.code, amount: amountOff(code, base) }
}

function amountOff(rule: { kind: 'percentage' | 'fixed'; percent_off: number | null; amount_off: number | null }, base: number): number {
  return rule.kind === 'percentage' ? percentOf(base, rule.percent_off!) : Math.min(rule.amount_off!, base)
}

/** The running promotion worth most to this cart (the oldest of equals), or null: promotions never stack. */
export function bestPromotion(promotions: readonly Promotion[], currency: string, subtotal: number): Breakdown['promotion'] {
  let best: Breakdown['promotion'] = null
  for (const p of [...promotions].sort((a, b) => a.id - b.id)) {
    if (p.currency !== null && p.currency !== currency) continue
    if (subtotal < p.min_subtotal) continue
    const amount = amountOff(p, subtotal)
    if (amount > 0 && (!best || amount > best.amount)) best = { promotionId: p.id, name: p.name, amount }
  }
  return best
}

/** The option's price for a parcel: flat, or its first weight bracket the parcel fits; undefined when it is too heavy for it. */
export function shippingPrice(option: Pick<ShippingOption, 'price' | 'weight_rates'>, weightGrams: number): number | undefined {
  if (!option.weight_rates) return option.price
  return option.weight_rates.find((r) => weightGrams <= r.upToGrams)?.price
}
