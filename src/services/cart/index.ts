import { createProductClient } from '../../contracts/product.js'
import { registerIdentity } from '../../platform/auth/identity.js'
import type { StorageAdapters } from '../../platform/deps.js'
import { peerClient } from '../../platform/peers.js'
import { redisOutagesAs } from '../../platform/redis.js'
import { defineService } from '../../platform/service.js'
import type { App } from '../../platform/server.js'
import type { CartDeps } from './cart.js'
import type { CartStore } from './cart-store.js'
import { cartConfig, type CartConfig } from './config.js'
import { cartUnavailable } from './errors.js'
import { registerInternalCartRoutes } from './internal-routes.js'
import { createRedisCartStore } from './redis-cart-store.js'
import { registerCartRoutes } from './routes.js'
import { createSqlCartStore } from './sql-cart-store.js'

/** The cart store's two adapters; deps.storage() picks Redis in production, the service's schema embedded. */
export function cartStoreAdapters(config: CartConfig): StorageAdapters<CartStore> {
  const ttlSeconds = config.CART_TTL_SECONDS
  return {
    // Redis away: 503 CART_UNAVAILABLE with Retry-After, not a 500.
    redis: (client, keyPrefix) => redisOutagesAs(createRedisCartStore(client, { ttlSeconds, keyPrefix }), cartUnavailable),
    sql: (db) => createSqlCartStore(db, { ttlSeconds }),
  }
}

/**
 * The cart service: guest and user carts under /api/cart, the order service's
 * view of a user's cart under /internal/carts. It owns the `carts` schema
 * (embedded) or the <prefix>cart: keys (Redis).
 */
export const cartService = defineService({
  name: 'cart',
  // Public routes under /api/cart, the order service's view of a cart under /internal/carts.
  prefix: '',
  // Carts live in Redis (with REDIS_URL): no cart without it. It publishes nothing and consumes nothing.
  needs: { peers: ['product'], redis: 'required', accessTokens: true },
  config: cartConfig,
  // Carts live in Redis in production; this sizes the SQL store's pool.
  pool: (c) => ({ max: c.CART_DB_POOL_MAX, min: c.CART_DB_POOL_MIN }),
  migrations: { schema: 'carts', dir: new URL('./migrations/', import.meta.url) },
  rateLimit: (c) => ({ max: c.CART_RATE_LIMIT_MAX, windowMs: c.CART_RATE_LIMIT_WINDOW_MS, nameSpace: 'cart' }),
  domain: async (deps, c): Promise<CartDeps> => ({
    store: deps.storage(cartStoreAdapters(c)),
    products: createProductClient(peerClient(deps.peers, 'product')),
    limits: { maxQuantity: c.CART_MAX_QUANTITY, maxLines: c.CART_MAX_LINES },
    defaultCurrency: c.CART_DEFAULT_CURRENCY,
  }),
  jobs: [
    {
      // Reads already skip idle carts; the sweep gives their rows back (Redis expires them itself).
      name: 'cart-sweep',
      everyMs: (c) => c.CART_SWEEP_MS,
      run: async ({ domain }) => void (await domain.store.sweep()),
    },
  ],
  plugin: async (app, { deps, domain }) => {
    await app.register(
      async (api: App) => {
        api.get('/health', { schema: { tags: ['health'] }, config: { rateLimit: false } }, (req, reply) => api.health(req, reply))
        registerIdentity(api, deps.tokens)
        registerCartRoutes(api, domain)
      },
      { prefix: '/api/cart' },
    )
    registerInternalCartRoutes(app, domain.store, deps.peers.internalToken)
  },
})
