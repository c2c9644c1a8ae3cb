import type { Static } from '@sinclair/typebox'
import { identityOf, requireAdmin, requireUser } from '../../platform/auth/identity.js'
import type { App } from '../../platform/server.js'
import { discountCodeNotFound, invalidDiscountRules, invalidShippingRules, shippingOptionNotFound, taxRateNotFound } from './errors.js'
import type { WeightRate } from './pricing.js'
import type { OrderDeps } from './order-deps.js'
import * as S from './pricing-schemas.js'
import * as store from './pricing-store.js'
import { changeRules, quoteCart } from './quote.js'
import { ErrorResponse } from './schemas.js'

const errors = { 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse, 422: ErrorResponse, 429: ErrorResponse }
const security = [{ bearer: [] }]
const admin = { tags: ['orders: pricing (admin)'], security }

/**
 * The quote of a customer's cart, and the admin routes for what prices an order
 * beyond its lines: discount codes, shipping options, tax rates (pricing.ts has the rules).
 */
export function registerPricingRoutes(app: App, deps: OrderDeps) {
  app.get(
    '/quote',
    {
      preValidation: requireUser,
      schema: {
        tags: ['orders'],
        security,
        summary: "Your cart priced for an address's country as checkout would price it now: discount code, shipping options, tax (nothing reserved)",
        querystring: S.QuoteQuery,
        response: { 200: S.Quote, ...errors },
      },
    },
    async (req, reply) => {
      reply.header('cache-control', 'no-store')
      return quoteCart(deps, identityOf(req), req.query)
    },
  )

  app.post(
    '/discount-codes',
    { preValidation: requireAdmin, schema: { ...admin, summary: 'Create a discount code', body: S.NewDiscountCode, response: { 201: S.DiscountCode, ...errors } } },
    async (req, reply) => reply.code(201).send(codeView(await store.insertDiscountCode(deps.db, discountRules(req.body)))),
  )

  app.get(
    '/discount-codes',
    { preValidation: requireAdmin, schema: { ...admin, summary: 'Every discount code with its uses, newest first', response: { 200: S.ItemsOf(S.DiscountCode), ...errors } } },
    async () => ({ items: (await store.listDiscountCodes(deps.db)).map(codeView) }),
  )

  app.post(
    '/discount-codes/:code/deactivate',
    { preValidation: requireAdmin, schema: { ...admin, summary: 'Deactivate a code: new checkouts refuse it, placed orders keep it', params: S.CodeParams, response: { 200: S.DiscountCode, ...errors } } },
    async (req) => {
      const code = req.params.code.toUpperCase()
      const row = await store.deactivateDiscountCode(deps.db, code)
      if (!row) throw discountCodeNotFound(code)
      return codeView(row)
    },
  )

  app.post(
    '/shipping-options',
    { preValidation: requireAdmin, schema: { ...admin, summary: 'Create a shipping option for a region (a list of countries)', body: S.NewShippingOption, response: { 201: S.ShippingOption, ...errors } } },
    async (req, reply) => {
      const b = req.body
      const row = await changeRules(deps, () => store.insertShippingOption(deps.db, { name: b.name, countries: b.countries, currency: b.currency, ...shippingPrices(b), freeAbove: b.freeAbove ?? null }))
      return reply.code(201).send(optionView(row))
    },
  )

  app.get(
    '/shipping-options',
    { preValidation: requireAdmin, schema: { ...admin, summary: 'Every shipping option', response: { 200: S.ItemsOf(S.ShippingOption), ...errors } } },
    async () => ({ items: (await store.listShippingOptions(deps.db)).map(optionView) }),
  )

  app.post(
    '/shipping-options/:id/deactivate',
    { preValidation: requireAdmin, schema: { ...admin, summary: 'Stop offering a shipping option', params: S.IdParams, response: { 200: S.ShippingOption, ...errors } } },
    async (req) => {
      const row = await changeRules(deps, () => store.deactivateShippingOption(deps.db, req.params.id))
      if (!row) throw shippingOptionNotFound(req.params.id)
      return optionView(row)
    },
  )

  app.put(
    '/tax-rates',
    { preValidation: requireAdmin, schema: { ...admin, summary: "Set a country's tax rate, or a region's own", body: S.TaxRateBody, response: { 200: S.TaxRate, ...errors } } },
    async (req) => {
      const b = req.body
      return rateView(await changeRules(deps, () => store.putTaxRate(deps.db, { country: b.country, region: b.region ?? '', name: b.name, rate_bp: b.rateBasisPoints })))
    },
  )

  app.get(
    '/tax-rates',
    { preValidation: requireAdmin, schema: { ...admin, summary: 'Every tax rate', response: { 200: S.ItemsOf(S.TaxRate), ...errors } } },
    async () => ({ items: (await store.listTaxRates(deps.db)).map(rateView) }),
  )

  app.delete(
    '/tax-rates/:country',
    { preValidation: requireAdmin, schema: { ...admin, summary: "Remove a country's rate (or, with region, the region's own)", params: S.TaxRateParams, querystring: S.TaxRateQuery, response: { 204: { type: 'null' }, ...errors } } },
    async (req, reply) => {
      const region = req.query.region ?? ''
      if (!(await changeRules(deps, () => store.deleteTaxRate(deps.db, req.params.country, region)))) throw taxRateNotFound(req.params.country, region)
      return reply.code(204).send(null)
    },
  )
}

/** What a code and a promotion take off, as the admin sent it. */
type OffBody = Pick<Static<typeof S.NewDiscountCode>, 'percentOff' | 'amountOff' | 'currency' | 'minSubtotal' | 'startsAt' | 'endsAt'>

/** A code's or a promotion's rules, checked beyond their schema: one kind, a currency for every amount, an end after the start. */
export function offRules(b: OffBody): store.OffRules {
  if ((b.percentOff === undefined) === (b.amountOff === undefined)) throw invalidDiscountRules('Give either percentOff or amountOff')
  if ((b.amountOff !== undefined || (b.minSubtotal ?? 0) > 0) && b.currency === undefined) throw invalidDiscountRules('amountOff and minSubtotal need a currency')
  if (b.startsAt !== undefined && b.endsAt !== undefined && Date.parse(b.endsAt) <= Date.parse(b.startsAt)) throw invalidDiscountRules('endsAt must be after startsAt')
  return {
    kind: b.percentOff !== undefined ? 'percentage' : 'fixed',
    percentOff: b.percentOff ?? null,
    amountOff: b.amountOff ?? null,
    currency: b.currency ?? null,
    minSubtotal: b.minSubtotal ?? 0,
    startsAt: b.startsAt ?? null,
    endsAt: b.endsAt ?? null,
  }
}

function discountRules(b: Static<typeof S.NewDiscountCode>): store.NewDiscountCode {
  return { code: b.code.toUpperCase(), ...offRules(b), maxUses: b.maxUses ?? null, maxUsesPerCustomer: b.maxUsesPerCustomer ?? null }
}

/** A flat price, or weight brackets (lightest first, each heavier than the one before): exactly one. */
function shippingPrices(b: Static<typeof S.NewShippingOption>): { price: number; weightRates: WeightRate[] | null } {
  if ((b.price === undefined) === (b.weightRates === undefined)) throw invalidShippingRules('Give either price or weightRates')
  if (b.weightRates) {
    if (b.weightRates.some((r, i) => i > 0 && r.upToGrams <= b.weightRates![i - 1]!.upToGrams)) throw invalidShippingRules('weightRates must go from the lightest bracket to the heaviest, each upToGrams above the one before')
    // The lightest bracket's price is the option's own: what lists show and sort by.
    return { price: b.weightRates[0]!.price, weightRates: b.weightRates }
  }
  return { price: b.price!, weightRates: null }
}

type OffRow = Pick<store.DiscountCodeRow, 'kind' | 'percent_off' | 'amount_off' | 'currency' | 'min_subtotal' | 'starts_at' | 'ends_at' | 'active' | 'created_at'>

/** What a code and a promotion take off, and when, as the admin routes answer it. */
export function offView(r: OffRow) {
  const money = (amount: number | null) => (amount === null || r.currency === null ? null : { amount, currency: r.currency })
  const iso = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString())
  return {
    kind: r.kind,
    percentOff: r.percent_off,
    amountOff: money(r.amount_off),
    minSubtotal: r.min_subtotal > 0 ? money(r.min_subtotal) : null,
    startsAt: iso(r.starts_at),
    endsAt: iso(r.ends_at),
    active: r.active,
    createdAt: new Date(r.created_at).toISOString(),
  }
}

function codeView(r: store.DiscountCodeRow): Static<typeof S.DiscountCode> {
  return { code: r.code, ...offView(r), maxUses: r.max_uses, maxUsesPerCustomer: r.max_uses_per_customer, uses: r.uses }
}

function optionView(r: store.ShippingOptionRow): Static<typeof S.ShippingOption> {
  return {
    id: r.id,
    name: r.name,
    countries: r.countries,
    price: { amount: r.price, currency: r.currency },
    weightRates: r.weight_rates?.map((w) => ({ upToGrams: w.upToGrams, price: { amount: w.price, currency: r.currency } })) ?? null,
    freeAbove: r.free_above === null ? null : { amount: r.free_above, currency: r.currency },
    active: r.active,
  }
}

function rateView(r: { country: string; region: string; name: string; rate_bp: number }): Static<typeof S.TaxRate> {
  return { country: r.country, region: r.region || null, name: r.name, rateBasisPoints: r.rate_bp }
}
