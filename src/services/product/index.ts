import type { Deps } from '../../platform/deps.js'
import { registerRateLimit } from '../../platform/rate-limit/rate-limit.js'
import type { App } from '../../platform/server.js'
import { adminCatalogRoutes } from './admin-routes.js'
import type { CatalogDeps } from './catalog.js'
import type { ProductConfig } from './config.js'
import { registerInternalRoutes } from './internal-routes.js'
import { registerCatalogRoutes } from './routes.js'

export interface ProductServiceOptions {
  deps: Deps
  config: ProductConfig
}

export function catalogDepsOf(deps: Deps, config: ProductConfig): CatalogDeps {
  return {
    db: deps.db,
    readDb: deps.readDb,
    cache: deps.readThrough,
    ttl: {
      products: config.CACHE_TTL_PRODUCTS,
      deals: config.CACHE_TTL_DEALS,
      recommendations: config.CACHE_TTL_RECOMMENDATIONS,
      categories: config.CACHE_TTL_CATEGORIES,
    },
  }
}

/**
 * The product service: catalog, categories, deals, recommendations under /api,
 * and the stock reservations the order service uses under /internal. An
 * encapsulated plugin; it owns the `catalog` schema and the stock.
 */
export async function productService(app: App, { deps, config }: ProductServiceOptions) {
  const catalogDeps = catalogDepsOf(deps, config)

  await app.register(
    async (api: App) => {
      api.get('/products/health', { schema: { tags: ['health'] }, config: { rateLimit: false } }, (_req, reply) => api.health(reply))
      await registerRateLimit(api, deps.rateLimit, {
        max: config.PRODUCT_RATE_LIMIT_MAX,
        windowMs: config.PRODUCT_RATE_LIMIT_WINDOW_MS,
        nameSpace: 'product',
      })
      registerCatalogRoutes(api, catalogDeps, config.CATALOG_EDGE_MAX_AGE)
      await api.register(adminCatalogRoutes, { deps: catalogDeps, tokens: deps.tokens })
    },
    { prefix: '/api' },
  )
  registerInternalRoutes(app, catalogDeps, deps.peers.internalToken)
}
