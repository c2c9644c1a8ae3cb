import { Type } from '@sinclair/typebox'
import type { ProductSummary } from '../../contracts/product.js'
import { internalOnly } from '../../platform/internal.js'
import type { App } from '../../platform/server.js'
import { thumbnailUrl } from './images/image-view.js'
import { toProduct, type ProductDeps } from './product.js'
import * as store from './product-store.js'
import { toVariants } from './product-variants.js'
import { releaseReservation, reserveStock } from './stock.js'

const ProductId = Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER })
const ReserveBody = Type.Object(
  {
    orderId: Type.String({ format: 'uuid' }),
    lines: Type.Array(Type.Object({ productId: ProductId, variantId: Type.Optional(ProductId), quantity: Type.Integer({ minimum: 1, maximum: 1000 }) }, { additionalProperties: false }), {
      minItems: 1,
      maxItems: 100,
    }),
    ttlSeconds: Type.Integer({ minimum: 10, maximum: 7 * 86_400 }),
  },
  { additionalProperties: false },
)
const IdsQuery = Type.Object({ ids: Type.String({ pattern: '^[1-9][0-9]{0,15}(,[1-9][0-9]{0,15}){0,99}$' }) }, { additionalProperties: false })
const OrderParams = Type.Object({ orderId: Type.String({ format: 'uuid' }) }, { additionalProperties: false })

/**
 * Routes for the other services (cart, order), never forwarded by nginx and
 * guarded by the internal token. Not rate limited: the public routes that cause
 * these calls are.
 */
export function registerInternalRoutes(app: App, deps: ProductDeps, internalToken: string) {
  const guard = { preValidation: internalOnly(internalToken), config: { rateLimit: false }, schema: { hide: true } } as const

  app.get('/internal/catalog/products', { ...guard, schema: { ...guard.schema, querystring: IdsQuery } }, async (req) => {
    const ids = req.query.ids.split(',').map(Number)
    const rows = await store.findProductsByIds(deps.readDb, ids)
    const items: ProductSummary[] = rows.map((r) => {
      const p = toProduct(r, deps.imagesBaseUrl)
      // The cart shows the first image's thumbnail.
      const image = thumbnailUrl(r.images, deps.imagesBaseUrl)
      return { id: p.id, slug: p.slug, name: p.name, price: p.price, salePrice: p.salePrice, stock: p.stock, inStock: p.inStock, image, variants: toVariants(r.variants, p) }
    })
    return { items }
  })

  app.post('/internal/catalog/reservations', { ...guard, schema: { ...guard.schema, body: ReserveBody } }, async (req, reply) => {
    const reservation = await reserveStock(deps, req.body.orderId, req.body.lines, req.body.ttlSeconds)
    return reply.code(201).send(reservation)
  })

  app.post('/internal/catalog/reservations/:orderId/release', { ...guard, schema: { ...guard.schema, params: OrderParams } }, async (req) => ({
    reservation: await releaseReservation(deps, req.params.orderId),
  }))
}
