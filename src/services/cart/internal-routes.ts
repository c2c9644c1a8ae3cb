import { internalOnly } from '../../platform/internal.js'
import type { App } from '../../platform/server.js'
import { removeOrdered, userCartLines } from './cart.js'
import type { CartStore } from './cart-store.js'
import * as S from './schemas.js'

/**
 * Routes for the order service (contract: src/contracts/cart.ts), never
 * forwarded by nginx and guarded by the internal token. Not rate limited: the
 * public routes that cause these calls are.
 */
export function registerInternalCartRoutes(app: App, store: CartStore, internalToken: string) {
  const guard = { preValidation: internalOnly(internalToken), config: { rateLimit: false } } as const

  app.get(
    '/internal/carts/:userId',
    { ...guard, schema: { hide: true, params: S.UserParams, response: { 200: S.UserCart } } },
    async (req) => ({ items: await userCartLines({ store }, req.params.userId) }),
  )

  // After an order was written: its quantities leave the cart, once per order id.
  app.post(
    '/internal/carts/:userId/ordered',
    { ...guard, schema: { hide: true, params: S.UserParams, body: S.OrderedBody, response: { 200: S.Ok } } },
    async (req) => {
      await removeOrdered({ store }, req.params.userId, req.body.orderId, req.body.lines)
      return { ok: true as const }
    },
  )
}
