import { createCartClient } from '../../contracts/cart.js'
import { createProductClient } from '../../contracts/product.js'
import { registerIdentity } from '../../platform/auth/identity.js'
import { peerClient } from '../../platform/peers.js'
import { defineService } from '../../platform/service.js'
import { orderConfig } from './config.js'
import { deleteOldIdempotencyKeys } from './idempotency-store.js'
import type { OrderDeps } from './order-deps.js'
import { registerAddressRoutes } from './address-routes.js'
import { registerBacklogRoute } from './backlog-routes.js'
import { registerPricingRoutes } from './pricing-routes.js'
import { registerPromotionRoutes } from './promotion-routes.js'
import { registerOrderRoutes } from './routes.js'
import { sweep } from './sweeper.js'
import { createTestProvider } from './test-provider.js'

/**
 * The order service: checkout with Idempotency-Key, payment, the order life
 * cycle. Mounted at /api/orders; it owns the `orders` schema and publishes the
 * order.* events through its outbox.
 */
export const orderService = defineService({
  name: 'order',
  prefix: '/api/orders',
  // Checkout calls both peers; its events wait in the outbox while the broker is away.
  needs: { peers: ['product', 'cart'], redis: 'optional', broker: 'optional', accessTokens: true },
  config: orderConfig,
  pool: (c) => ({ max: c.ORDER_DB_POOL_MAX, min: c.ORDER_DB_POOL_MIN }),
  migrations: { schema: 'orders', dir: new URL('./migrations/', import.meta.url) },
  outbox: true,
  rateLimit: (c) => ({ max: c.ORDER_RATE_LIMIT_MAX, windowMs: c.ORDER_RATE_LIMIT_WINDOW_MS, nameSpace: 'order' }),
  domain: async (deps, c): Promise<OrderDeps> => ({
    db: deps.db,
    products: createProductClient(peerClient(deps.peers, 'product')),
    cart: createCartClient(peerClient(deps.peers, 'cart')),
    payments: createTestProvider(deps.db),
    log: deps.log.child({ service: 'order' }),
    cursors: deps.cursors,
    cache: deps.readThrough,
    settings: { reservationTtlSeconds: c.ORDER_RESERVATION_TTL_SECONDS, pricesIncludeTax: c.ORDER_PRICES_INCLUDE_TAX },
  }),
  jobs: [
    {
      // In every instance: payment-window expiry, stale payment attempts, refunds, old Idempotency-Keys.
      name: 'order-sweep',
      everyMs: (c) => c.ORDER_SWEEP_MS,
      run: async ({ deps, config, domain }) => {
        const r = await sweep(domain, { paymentWindowMs: config.ORDER_PAYMENT_WINDOW_MS, paymentStaleMs: config.ORDER_PAYMENT_STALE_MS })
        if (r.expired || r.settled || r.refunded) deps.log.info(r, 'order sweep')
        await deleteOldIdempotencyKeys(deps.db, config.ORDER_IDEMPOTENCY_TTL_SECONDS)
      },
    },
  ],
  plugin: async (app, { deps, config, domain }) => {
    app.get('/health', { schema: { tags: ['health'] }, config: { rateLimit: false } }, (req, reply) => app.health(req, reply))
    registerIdentity(app, deps.tokens)
    registerPricingRoutes(app, domain)
    registerPromotionRoutes(app, domain)
    registerAddressRoutes(app, domain)
    registerOrderRoutes(app, domain, { idempotencyLockMs: config.ORDER_IDEMPOTENCY_LOCK_MS })
    registerBacklogRoute(app, { db: deps.db, bus: deps.bus, log: deps.log })
  },
})
