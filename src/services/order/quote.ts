import type { CartLine } from '../../contracts/cart.js'
import type { Money } from '../../contracts/product.js'
import type { Identity } from '../../platform/auth/token-verifier.js'
import type { Queryable } from '../../platform/db/db.js'
import { currencyMismatch, emptyCart } from './errors.js'
import type { OrderDeps } from './order-deps.js'
import { chargesView, type ChargesView } from './order-views.js'
import { checkCodeUses, checkCodeWindow, precheck, priceOrder, type Breakdown, type PricingChoice, type PricingContext } from './pricing.js'
import * as pricingStore from './pricing-store.js'

/**
 * Pricing flows around checkout: the shop's rules for one request, the quote of
 * a customer's cart (what checkout would charge now) and the redemption of a
 * discount code in the order's transaction.
 */

/** What a client chooses: in the checkout body (discountCode, shippingOption, the address) or the quote's query. */
export interface PricingRequest {
  country: string
  region?: string
  discountCode?: string
  shippingOption?: number
}

/** Codes are matched without regard to case: 'summer10' is SUMMER10. */
export function choiceOf(req: PricingRequest): PricingChoice {
  return {
    country: req.country,
    ...(req.discountCode !== undefined ? { discountCode: req.discountCode.toUpperCase() } : {}),
    ...(req.shippingOption !== undefined ? { shippingOption: req.shippingOption } : {}),
  }
}

export async function loadPricing(deps: OrderDeps, userId: string, req: PricingRequest): Promise<PricingContext> {
  const { discountCode } = choiceOf(req)
  const [rules, asked] = await Promise.all([shopRules(deps, req.country), discountCode === undefined ? undefined : pricingStore.loadCode(deps.db, discountCode, userId)])
  // Without a code nothing is read from the database: the promotions' windows are checked on this clock.
  const now = asked?.now ?? new Date()
  const region = req.region ?? ''
  return {
    now,
    shipsAnywhere: rules.ships,
    shippingOptions: rules.options,
    // The region's own rate where it has one, else the country's.
    taxRate: (region !== '' && rules.taxRates.find((t) => t.region === region)) || rules.taxRates.find((t) => t.region === '') || null,
    promotions: rules.promotions.filter((p) => (p.starts_at === null || Date.parse(p.starts_at) <= now.getTime()) && (p.ends_at === null || Date.parse(p.ends_at) > now.getTime())),
    code: asked?.code ?? null,
    pricesIncludeTax: deps.settings.pricesIncludeTax,
  }
}

/** The cache namespace of the shop's rules: the admin routes that change them invalidate it (changeRules). */
const RULES = 'orders:pricing-rules'
/** Changes through the admin routes are seen at once; the TTL bounds one made behind their back (SQL by hand). */
const RULES_TTL_SECONDS = 300

/**
 * The shop's rules for one country, the same for every checkout: read through the
 * shared cache (Redis in production, one round trip that PostgreSQL never sees).
 */
async function shopRules(deps: OrderDeps, country: string): Promise<pricingStore.ShopRules> {
  const cached = await deps.cache.get(RULES, country, RULES_TTL_SECONDS, () => pricingStore.loadShopRules(deps.db, country))
  return JSON.parse(cached.body) as pricingStore.ShopRules
}

/** A change of shipping options, tax rates or promotions: once written, every instance's next checkout reads the rules again. */
export async function changeRules<T>(deps: OrderDeps, write: () => Promise<T>): Promise<T> {
  const written = await write()
  await deps.cache.invalidate(RULES)
  return written
}

/**
 * The discount code's use, taken in the order's transaction before the order is
 * written: its row is locked, so checkouts with one code count their uses one
 * after another, and a limit of 10 is 10 orders however many buy at once.
 */
export async function redeemDiscount(tx: Queryable, codeId: number, userId: string): Promise<void> {
  const { code, now } = await pricingStore.lockDiscountCode(tx, codeId)
  checkCodeWindow(code, now)
  if (code.max_uses === null && code.max_uses_per_customer === null) return
  const { uses, customerUses } = await pricingStore.countCodeUses(tx, codeId, userId)
  checkCodeUses(code, uses, customerUses)
}

/**
 * The cart at the catalog's current prices (each line's variant's): its lines
 * (products or variants gone are left out), currency, subtotal and the parcel's
 * weight. A line without variant (from before variants) is the product's only variant.
 */
export async function pricedCart(deps: OrderDeps, cart: CartLine[]) {
  const products = await deps.products.getProducts(cart.map((l) => l.productId))
  const lines = cart.flatMap((l) => {
    const p = products.get(l.productId)
    const v = l.variantId ? p?.variants.find((x) => x.id === l.variantId) : p?.variants.length === 1 ? p.variants[0] : undefined
    return p && v ? [{ productId: l.productId, variantId: v.id, options: v.options, name: p.name, quantity: l.quantity, unitPrice: v.salePrice, weightGrams: v.weightGrams }] : []
  })
  const currency = lines[0]?.unitPrice.currency
  if (currency !== undefined && lines.some((l) => l.unitPrice.currency !== currency)) throw currencyMismatch()
  const subtotal = lines.reduce((sum, l) => sum + l.unitPrice.amount * l.quantity, 0)
  return { lines: lines.map(({ weightGrams: _, ...line }) => line), currency, subtotal, weightGrams: parcelWeight(lines) }
}

/** Every unit's weight: what weight-based shipping prices. */
export function parcelWeight(lines: readonly { weightGrams: number; quantity: number }[]): number {
  return lines.reduce((sum, l) => sum + l.weightGrams * l.quantity, 0)
}

export interface QuoteView extends ChargesView {
  lines: { productId: number; variantId: number; options: Record<string, string>; name: string; quantity: number; unitPrice: Money; lineTotal: Money }[]
  subtotal: Money
  shippingOptions: { id: number; name: string; price: Money }[]
  total: Money
}

/**
 * GET /api/orders/quote: the signed-in customer's cart priced for an address's
 * country as checkout would price it now (discount code, shipping options and the
 * chosen or cheapest one, tax). It reserves nothing and writes nothing.
 */
export async function quoteCart(deps: OrderDeps, user: Identity, req: PricingRequest): Promise<QuoteView> {
  const cart = await deps.cart.getUserCart(user.userId)
  if (cart.length === 0) throw emptyCart()
  const ctx = await loadPricing(deps, user.userId, req)
  const choice = choiceOf(req)
  precheck(ctx, choice)
  const priced = await pricedCart(deps, cart)
  if (priced.currency === undefined) throw emptyCart()
  const b: Breakdown = priceOrder(ctx, choice, priced.currency, priced.subtotal, priced.weightGrams)
  const money = (amount: number) => ({ amount, currency: b.currency })
  return {
    lines: priced.lines.map((l) => ({ ...l, lineTotal: money(l.unitPrice.amount * l.quantity) })),
    subtotal: money(b.subtotal),
    ...chargesView(b.currency, b),
    shippingOptions: b.shippingOptions.map((o) => ({ id: o.id, name: o.name, price: money(o.price) })),
    total: money(b.total),
  }
}
