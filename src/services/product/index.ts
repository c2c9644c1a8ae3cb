import type { Deps } from '../../platform/deps.js'
import { registerRateLimit } from '../../platform/rate-limit/rate-limit.js'
import type { App } from '../../platform/server.js'
import { adminProductRoutes } from './admin-routes.js'
import type { ProductDeps } from './product.js'
import type { ProductConfig } from './config.js'
import { registerInternalRoutes } from './internal-routes.js'
import { registerProductRoutes } from './routes.js'

export interface ProductServiceOptions {
  deps: Deps
  config: ProductConfig
}

export function productDepsOf(deps: Deps, config: ProductConfig): ProductDeps {
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
  }
}

/**
 * The product service: catalog, categories, deals, recommendations under /api,
 * and the stock reservations the order service uses under /internal. An
 * encapsulated plugin; it owns the `catalog` schema and the stock.
 */
export async function productService(app: App, { deps, config }: ProductServiceOptions) {
  const productDeps = productDepsOf(deps, config)

  await app.register(
    async (api: App) => {
      api.get('/products/health', { schema: { tags: ['health'] }, config: { rateLimit: false } }, (_req, reply) => api.health(reply))
      await registerRateLimit(api, deps.rateLimit, {
        max: config.PRODUCT_RATE_LIMIT_MAX,
        windowMs: config.PRODUCT_RATE_LIMIT_WINDOW_MS,
        nameSpace: 'product',
      })
      registerProductRoutes(api, productDeps, config.PRODUCT_EDGE_MAX_AGE_SECONDS)
      await api.register(adminProductRoutes, { deps: productDeps, tokens: deps.tokens })
    },
    { prefix: '/api' },
  )
  registerInternalRoutes(app, productDeps, deps.peers.internalToken)
}
