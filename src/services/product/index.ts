import type { Deps } from '../../platform/deps.js'
import { defineService } from '../../platform/service.js'
import type { App } from '../../platform/server.js'
import { adminProductRoutes } from './admin-routes.js'
import { productConfig, type ProductSettings } from './config.js'
import { seedIfEmpty } from './demo-catalog.js'
import { registerInternalRoutes } from './internal-routes.js'
import type { ProductDeps } from './product.js'
import { registerProductRoutes } from './routes.js'
import { releaseExpired } from './stock.js'
import { PRODUCT_PATTERNS, PRODUCT_QUEUE, productHandlers } from './subscriptions.js'

export function productDepsOf(deps: Deps, config: ProductSettings): ProductDeps {
  return {
    db: deps.db,
    readDb: deps.readDb,
    cache: deps.readThrough,
    ttl: {
      products: config.CACHE_TTL_PRODUCTS_SECONDS,
      deals: config.CACHE_TTL_DEALS_SECONDS,
      recommendations: config.CACHE_TTL_RECOMMENDATIONS_SECONDS,
      categories: config.CACHE_TTL_CATEGORIES_SECONDS,
    },
    cursors: deps.cursors,
  }
}

/**
 * The product service: catalog, categories, deals, recommendations under /api,
 * and the stock reservations the order service uses under /internal. It owns
 * the `catalog` schema and the stock; the order events move the stock.
 */
export const productService = defineService({
  name: 'product',
  // Public routes under /api, stock reservations under /internal.
  prefix: '',
  // The cache and the general rate limit fail open to PostgreSQL and this process; its admin routes verify tokens.
  needs: { redis: 'optional', broker: 'optional', accessTokens: true },
  config: productConfig,
  pool: (c) => ({ max: c.PRODUCT_DB_POOL_MAX, min: c.PRODUCT_DB_POOL_MIN }),
  migrations: { schema: 'catalog', dir: new URL('./migrations/', import.meta.url) },
  rateLimit: (c) => ({ max: c.PRODUCT_RATE_LIMIT_MAX, windowMs: c.PRODUCT_RATE_LIMIT_WINDOW_MS, nameSpace: 'product' }),
  domain: async (deps, c) => productDepsOf(deps, c),
  onStart: async ({ deps, config }) => {
    if (await seedIfEmpty(deps.db, config.SEED_DEMO_PRODUCTS)) {
      deps.log.info({ products: config.SEED_DEMO_PRODUCTS }, 'empty catalog: seeded the demo shop')
    }
  },
  subscription: { queue: PRODUCT_QUEUE, patterns: PRODUCT_PATTERNS, open: ({ domain }) => ({ handlers: productHandlers(domain) }) },
  jobs: [
    {
      name: 'reservation-sweep',
      everyMs: (c) => c.RESERVATION_SWEEP_MS,
      run: async ({ deps, domain }) => {
        const released = await releaseExpired(domain)
        if (released) deps.log.warn({ released }, 'released expired stock reservations (orders never written)')
      },
    },
  ],
  plugin: async (app, { deps, config, domain }) => {
    await app.register(
      async (api: App) => {
        api.get('/products/health', { schema: { tags: ['health'] }, config: { rateLimit: false } }, (req, reply) => api.health(req, reply))
        registerProductRoutes(api, domain, config.PRODUCT_EDGE_MAX_AGE_SECONDS)
        await api.register(adminProductRoutes, { deps: domain, tokens: deps.tokens })
      },
      { prefix: '/api' },
    )
    registerInternalRoutes(app, domain, deps.peers.internalToken)
  },
})
