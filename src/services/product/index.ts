import type { Deps } from '../../platform/deps.js'
import { registerRateLimit } from '../../platform/rate-limit/rate-limit.js'
import type { App } from '../../platform/server.js'
import { adminCatalogRoutes } from './admin-routes.js'
import type { CatalogDeps } from './catalog.js'
import type { ProductConfig } from './config.js'
import { registerCatalogRoutes } from './routes.js'

export interface ProductServiceOptions {
  deps: Deps
  config: ProductConfig
}

/**
 * The product service: catalog, categories, deals, recommendations. An
 * encapsulated plugin mounted at /api; it owns the `catalog` schema.
 */
export async function productService(app: App, { deps, config }: ProductServiceOptions) {
  const catalogDeps: CatalogDeps = {
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

  app.get('/products/health', { schema: { tags: ['health'] }, config: { rateLimit: false } }, (_req, reply) => app.health(reply))

  await registerRateLimit(app, deps.rateLimit, {
    max: config.PRODUCT_RATE_LIMIT_MAX,
    windowMs: config.PRODUCT_RATE_LIMIT_WINDOW_MS,
    nameSpace: 'product',
  })
  registerCatalogRoutes(app, catalogDeps, config.CATALOG_EDGE_MAX_AGE)
  await app.register(adminCatalogRoutes, { deps: catalogDeps, tokens: deps.tokens })
}
