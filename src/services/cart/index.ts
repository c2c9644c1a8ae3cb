import { createProductClient } from '../../contracts/product.js'
import { registerIdentity } from '../../platform/auth/identity.js'
import type { Deps, StorageAdapters } from '../../platform/deps.js'
import { peerClient } from '../../platform/peers.js'
import { registerRateLimit } from '../../platform/rate-limit/rate-limit.js'
import type { App } from '../../platform/server.js'
import type { CartDeps } from './cart.js'
import type { CartStore } from './cart-store.js'
import type { CartServiceConfig } from './config.js'
import { registerInternalCartRoutes } from './internal-routes.js'
import { createRedisCartStore } from './redis-cart-store.js'
import { registerCartRoutes } from './routes.js'
import { createSqlCartStore } from './sql-cart-store.js'

export interface CartServiceOptions {
  deps: Deps
  config: CartServiceConfig
}

/** The cart store's two adapters; deps.storage() picks Redis in production, the service's schema embedded. */
export function cartStoreAdapters(config: CartServiceConfig): StorageAdapters<CartStore> {
  const ttlSeconds = config.CART_TTL_SECONDS
  return {
    redis: (client, keyPrefix) => createRedisCartStore(client, { ttlSeconds, keyPrefix }),
    sql: (db) => createSqlCartStore(db, { ttlSeconds }),
  }
}

/**
 * The cart service: guest and user carts under /api/cart, the order service's
 * view of a user's cart under /internal/carts. An encapsulated plugin mounted at
 * the root; it owns the `carts` schema (embedded) or the <prefix>cart: keys (Redis).
 */
export async function cartService(app: App, { deps, config }: CartServiceOptions) {
  const store = deps.storage(cartStoreAdapters(config))
  const cartDeps: CartDeps = {
    store,
    products: createProductClient(peerClient(deps.peers, 'product')),
    limits: { maxQuantity: config.CART_MAX_QUANTITY, maxLines: config.CART_MAX_LINES },
    defaultCurrency: config.CART_DEFAULT_CURRENCY,
  }

  await app.register(
    async (api: App) => {
      api.get('/health', { schema: { tags: ['health'] }, config: { rateLimit: false } }, (_req, reply) => api.health(reply))
      await registerRateLimit(api, deps.rateLimit, {
        max: config.CART_RATE_LIMIT_MAX,
        windowMs: config.CART_RATE_LIMIT_WINDOW_MS,
        nameSpace: 'cart',
      })
      registerIdentity(api, deps.tokens)
      registerCartRoutes(api, cartDeps)
    },
    { prefix: '/api/cart' },
  )
  registerInternalCartRoutes(app, store, deps.peers.internalToken)

  if (store.kind === 'sql') {
    // Reads already skip idle carts; the sweep gives their rows back.
    const sweep = () => {
      store.sweep().catch((err: unknown) => deps.log.warn({ err }, 'cart sweep failed'))
    }
    const timer = setInterval(sweep, config.CART_SWEEP_MS)
    timer.unref()
    app.addHook('onClose', async () => clearInterval(timer))
  }
}
