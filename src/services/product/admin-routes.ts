import { Type, type Static } from '@sinclair/typebox'
import { registerIdentity, requireAdmin } from '../../platform/auth/identity.js'
import type { TokenVerifier } from '../../platform/auth/token-verifier.js'
import type { App } from '../../platform/server.js'
import { MultilineText } from '../../platform/validation.js'
import * as catalog from './catalog-admin.js'
import type { ProductDeps } from './product.js'
import type { ProductInput } from './product-store.js'
import * as S from './schemas.js'

/**
 * The catalog's write routes, for the `admin` role only: products, stock,
 * categories, deals. Strict bodies (no unknown field is accepted); every write
 * invalidates the cached catalog answers before it returns (product.ts).
 */

const Name = (max: number) => Type.String({ minLength: 1, maxLength: max })
const ProductSlug = Type.String({ pattern: S.SLUG, maxLength: 120, description: 'Lower-case words joined by dashes, with at least one letter.' })
const CategorySlug = Type.String({ pattern: S.SLUG, maxLength: 80 })
const MoneyInput = Type.Object(
  { amount: Type.Integer({ minimum: 0, maximum: 2_147_483_647, description: 'Minor units (cents).' }), currency: Type.String({ pattern: '^[A-Z]{3}$' }) },
  { additionalProperties: false },
)
const Attributes = Type.Record(
  Type.String({ minLength: 1, maxLength: 64 }),
  Type.Union([Type.String({ maxLength: 500 }), Type.Number(), Type.Boolean()]),
  { maxProperties: 50 },
)
const Stock = Type.Integer({ minimum: 0, maximum: 1_000_000_000 })
const CategoryRef = Type.Union([Type.Integer({ minimum: 1, maximum: 2_147_483_647 }), Type.Null()])

const productFields = {
  slug: ProductSlug,
  name: Name(200),
  description: MultilineText({ maxLength: 5000 }),
  price: MoneyInput,
  categoryId: CategoryRef,
  attributes: Attributes,
  stock: Stock,
}
const ProductCreate = Type.Object(
  {
    slug: productFields.slug,
    name: productFields.name,
    price: productFields.price,
    description: Type.Optional(productFields.description),
    categoryId: Type.Optional(productFields.categoryId),
    attributes: Type.Optional(productFields.attributes),
    stock: Type.Optional(productFields.stock),
  },
  { additionalProperties: false },
)
const ProductPatch = Type.Partial(Type.Object(productFields), { additionalProperties: false, minProperties: 1 })
const StockBody = Type.Object({ stock: Stock }, { additionalProperties: false })

const categoryFields = { slug: CategorySlug, name: Name(120), parentId: CategoryRef, position: Type.Integer({ minimum: 0, maximum: 1_000_000 }) }
const CategoryCreate = Type.Object(
  {
    slug: categoryFields.slug,
    name: categoryFields.name,
    parentId: Type.Optional(categoryFields.parentId),
    position: Type.Optional(categoryFields.position),
  },
  { additionalProperties: false },
)
const CategoryPatch = Type.Partial(Type.Object(categoryFields), { additionalProperties: false, minProperties: 1 })

const DealCreate = Type.Object(
  {
    productId: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }),
    title: Type.Optional(Type.String({ maxLength: 200 })),
    discountPercent: Type.Integer({ minimum: 1, maximum: 90 }),
    startsAt: Type.String({ format: 'date-time' }),
    endsAt: Type.String({ format: 'date-time' }),
  },
  { additionalProperties: false },
)

const ProductId = Type.Object({ id: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }) }, { additionalProperties: false })
const RowId = Type.Object({ id: Type.Integer({ minimum: 1, maximum: 2_147_483_647 }) }, { additionalProperties: false })
const Created = Type.Object({ id: Type.Integer() })
const NoContent = Type.Null({ description: 'No body.' })

const errors = {
  400: S.ErrorResponse,
  401: S.ErrorResponse,
  403: S.ErrorResponse,
  404: S.ErrorResponse,
  409: S.ErrorResponse,
  429: S.ErrorResponse,
}
const admin = { preValidation: requireAdmin }
const doc = (summary: string) => ({ tags: ['catalog admin'], summary, security: [{ bearer: [] }] })

function productPatch(body: Static<typeof ProductPatch>): Partial<ProductInput> {
  const { price, ...rest } = body
  return { ...rest, ...(price ? { priceAmount: price.amount, currency: price.currency } : {}) }
}

export async function adminProductRoutes(app: App, { deps, tokens }: { deps: ProductDeps; tokens: TokenVerifier }) {
  registerIdentity(app, tokens)

  app.post(
    '/products',
    { ...admin, schema: { ...doc('Create a product'), body: ProductCreate, response: { 201: S.Product, ...errors } } },
    async (req, reply) => {
      const b = req.body
      const product = await catalog.createProduct(deps, {
        slug: b.slug,
        name: b.name,
        description: b.description ?? '',
        priceAmount: b.price.amount,
        currency: b.price.currency,
        categoryId: b.categoryId ?? null,
        attributes: b.attributes ?? {},
        stock: b.stock ?? 0,
        images: [],
      })
      return reply.code(201).send(product)
    },
  )

  app.patch(
    '/products/:id',
    { ...admin, schema: { ...doc('Change some fields of a product'), params: ProductId, body: ProductPatch, response: { 200: S.Product, ...errors } } },
    async (req) => catalog.updateProduct(deps, req.params.id, productPatch(req.body)),
  )

  app.delete(
    '/products/:id',
    { ...admin, schema: { ...doc('Delete a product (orders keep it)'), params: ProductId, response: { 204: NoContent, ...errors } } },
    async (req, reply) => {
      await catalog.deleteProduct(deps, req.params.id)
      return reply.code(204).send(null)
    },
  )

  app.put(
    '/products/:id/stock',
    { ...admin, schema: { ...doc('Set the stock of a product sold as one variant (409 VARIANT_REQUIRED for several)'), params: ProductId, body: StockBody, response: { 200: S.Product, ...errors } } },
    async (req) => catalog.setStock(deps, req.params.id, req.body.stock),
  )

  app.post(
    '/categories',
    { ...admin, schema: { ...doc('Create a category'), body: CategoryCreate, response: { 201: Created, ...errors } } },
    async (req, reply) => {
      const b = req.body
      const id = await catalog.createCategory(deps, { slug: b.slug, name: b.name, parentId: b.parentId ?? null, position: b.position ?? 0 })
      return reply.code(201).send({ id })
    },
  )

  app.patch(
    '/categories/:id',
    { ...admin, schema: { ...doc('Change a category (or move it)'), params: RowId, body: CategoryPatch, response: { 204: NoContent, ...errors } } },
    async (req, reply) => {
      await catalog.updateCategory(deps, req.params.id, req.body)
      return reply.code(204).send(null)
    },
  )

  app.delete(
    '/categories/:id',
    { ...admin, schema: { ...doc('Delete an empty category'), params: RowId, response: { 204: NoContent, ...errors } } },
    async (req, reply) => {
      await catalog.deleteCategory(deps, req.params.id)
      return reply.code(204).send(null)
    },
  )

  app.post(
    '/deals',
    { ...admin, schema: { ...doc('Create a deal on a product'), body: DealCreate, response: { 201: Created, ...errors } } },
    async (req, reply) => {
      const b = req.body
      const id = await catalog.createDeal(deps, {
        productId: b.productId,
        title: b.title ?? '',
        discountPercent: b.discountPercent,
        startsAt: new Date(b.startsAt),
        endsAt: new Date(b.endsAt),
      })
      return reply.code(201).send({ id })
    },
  )

  app.delete(
    '/deals/:id',
    { ...admin, schema: { ...doc('Delete a deal'), params: RowId, response: { 204: NoContent, ...errors } } },
    async (req, reply) => {
      await catalog.deleteDeal(deps, req.params.id)
      return reply.code(204).send(null)
    },
  )
}
