import { Type } from '@sinclair/typebox'
import { registerIdentity, requireAdmin } from '../../platform/auth/identity.js'
import type { TokenVerifier } from '../../platform/auth/token-verifier.js'
import type { App } from '../../platform/server.js'
import type { ProductDeps } from './product.js'
import * as variants from './product-variants.js'
import * as S from './schemas.js'

/**
 * The admin routes of a product's options and variants (`admin` role, strict
 * bodies). Option values must be values of the product's options, one per option
 * (400 UNKNOWN_OPTION_VALUE); two variants with one combination are refused (409
 * VARIANT_COMBINATION_TAKEN); a refused change writes nothing.
 */

const Id = Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER })
const ProductParams = Type.Object({ id: Id }, { additionalProperties: false })
const VariantParams = Type.Object({ id: Id, variantId: Id }, { additionalProperties: false })
const OptionName = Type.String({ minLength: 1, maxLength: 40 })
const OptionValue = Type.String({ minLength: 1, maxLength: 60 })
const Options = Type.Object(
  {
    options: Type.Array(
      Type.Object({ name: OptionName, values: Type.Array(OptionValue, { minItems: 1, maxItems: 50, uniqueItems: true }) }, { additionalProperties: false }),
      { maxItems: 5, description: 'In order. Variants keep their values of options that stay and get the first value of a new option.' },
    ),
  },
  { additionalProperties: false },
)
const OptionValues = Type.Record(OptionName, OptionValue, { maxProperties: 5, description: "One value of each of the product's options." })
const Sku = Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,139}$', description: 'Unique among live variants; default: the slug and the option values.' })
const PriceOverride = Type.Union([Type.Integer({ minimum: 0, maximum: 2_147_483_647 }), Type.Null()], {
  description: "Minor units in the product's currency; null: the product's price.",
})
const Weight = Type.Integer({ minimum: 0, maximum: 1_000_000_000, description: 'Grams.' })
const Stock = Type.Integer({ minimum: 0, maximum: 1_000_000_000 })
const VariantCreate = Type.Object(
  { sku: Type.Optional(Sku), options: OptionValues, priceAmount: Type.Optional(PriceOverride), stock: Type.Optional(Stock), weightGrams: Type.Optional(Weight) },
  { additionalProperties: false },
)
const VariantPatch = Type.Object(
  { sku: Type.Optional(Sku), options: Type.Optional(OptionValues), priceAmount: Type.Optional(PriceOverride), weightGrams: Type.Optional(Weight) },
  { additionalProperties: false, minProperties: 1 },
)
const StockBody = Type.Object({ stock: Stock }, { additionalProperties: false })

const errors = { 400: S.ErrorResponse, 401: S.ErrorResponse, 403: S.ErrorResponse, 404: S.ErrorResponse, 409: S.ErrorResponse, 429: S.ErrorResponse }
const admin = { preValidation: requireAdmin }
const doc = (summary: string) => ({ tags: ['catalog admin'], summary, security: [{ bearer: [] }] })

export async function adminVariantRoutes(app: App, { deps, tokens }: { deps: ProductDeps; tokens: TokenVerifier }) {
  registerIdentity(app, tokens)

  app.put(
    '/products/:id/options',
    { ...admin, schema: { ...doc("Set a product's options"), params: ProductParams, body: Options, response: { 200: S.Product, ...errors } } },
    async (req) => variants.setOptions(deps, req.params.id, req.body.options),
  )

  app.post(
    '/products/:id/variants',
    { ...admin, schema: { ...doc('Add a variant to a product'), params: ProductParams, body: VariantCreate, response: { 201: S.Variant, ...errors } } },
    async (req, reply) => {
      const b = req.body
      const variant = await variants.createVariant(deps, req.params.id, {
        options: b.options,
        ...(b.sku !== undefined ? { sku: b.sku } : {}),
        ...(b.priceAmount !== undefined ? { priceAmount: b.priceAmount } : {}),
        ...(b.stock !== undefined ? { stock: b.stock } : {}),
        ...(b.weightGrams !== undefined ? { weightGrams: b.weightGrams } : {}),
      })
      return reply.code(201).send(variant)
    },
  )

  app.patch(
    '/products/:id/variants/:variantId',
    { ...admin, schema: { ...doc("Change a variant's SKU, option values, price or weight"), params: VariantParams, body: VariantPatch, response: { 200: S.Variant, ...errors } } },
    async (req) => variants.updateVariant(deps, req.params.id, req.params.variantId, req.body),
  )

  app.delete(
    '/products/:id/variants/:variantId',
    { ...admin, schema: { ...doc('Delete a variant (orders keep it; not the last one)'), params: VariantParams, response: { 204: Type.Null({ description: 'No body.' }), ...errors } } },
    async (req, reply) => {
      await variants.deleteVariant(deps, req.params.id, req.params.variantId)
      return reply.code(204).send(null)
    },
  )

  app.put(
    '/products/:id/variants/:variantId/stock',
    { ...admin, schema: { ...doc('Set the stock of a variant'), params: VariantParams, body: StockBody, response: { 200: S.Variant, ...errors } } },
    async (req) => variants.setVariantStock(deps, req.params.id, req.params.variantId, req.body.stock),
  )
}
