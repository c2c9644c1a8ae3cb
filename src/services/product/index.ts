import type { Deps } from '../../platform/deps.js'
import { defineService } from '../../platform/service.js'
import type { App } from '../../platform/server.js'
import { adminProductRoutes } from './admin-routes.js'
import { productConfig, type ProductSettings } from './config.js'
import { seedIfEmpty } from './demo-catalog.js'
import { adminImageRoutes, serveImageFiles } from './image-routes.js'
import { productStatsRoutes } from './stats-routes.js'
import { sweepLeftovers } from './images/image-files.js'
import { createImages } from './images/images.js'
import { registerInternalRoutes } from './internal-routes.js'
import { attachNextDemoImage, createImagesInFlight, failInterrupted, type ImageDeps } from './product-images.js'
import type { ProductDeps } from './product.js'
import { registerProductRoutes } from './routes.js'
import { adminVariantRoutes } from './variant-routes.js'
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
    imagesBaseUrl: config.IMAGES_BASE_URL,
  }
}

/** Everything the product service's routes, jobs and handlers share in a process: one image pool among them. */
export interface ProductDomain extends ImageDeps {
  /** Until the demo-images job finds no demo product waiting for a picture. */
  demoImages: { waiting: boolean }
}

async function productDomain(deps: Deps, config: ProductSettings): Promise<ProductDomain> {
  return {
    ...productDepsOf(deps, config),
    images: createImages(config, deps.metrics.registry),
    inFlight: createImagesInFlight(deps),
    log: deps.log,
    demoImages: { waiting: true },
  }
}

/** Images interrupted by a stop, uploads and temporary files a crash left behind. */
async function sweepImages(domain: ProductDomain) {
  await failInterrupted(domain)
  const removed = await sweepLeftovers(domain.images.dir)
  if (removed) domain.log.info({ removed }, 'removed image files left by an interrupted upload')
}

/**
 * The product service: catalog, categories, deals, recommendations and product
 * images under /api, the image files under IMAGES_BASE_URL (when a path), and
 * the stock reservations the order service uses under /internal. It owns the
 * `catalog` schema and the stock; the order events move the stock; it publishes
 * product.image_ready.
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
  outbox: true,
  rateLimit: (c) => ({ max: c.PRODUCT_RATE_LIMIT_MAX, windowMs: c.PRODUCT_RATE_LIMIT_WINDOW_MS, nameSpace: 'product' }),
  domain: productDomain,
  onStart: async ({ deps, config, domain }) => {
    if (await seedIfEmpty(deps.db, config.SEED_DEMO_PRODUCTS)) {
      deps.log.info({ products: config.SEED_DEMO_PRODUCTS }, 'empty catalog: seeded the demo shop')
    }
    await sweepImages(domain)
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
    { name: 'image-sweep', everyMs: () => 30_000, run: ({ domain }) => sweepImages(domain) },
    {
      // In the background, one picture per run: the first answer never waits for the demo pictures,
      // and a stop abandons the one being made (at nice 19 on a busy host it can outlast the drain).
      // Idle once no demo product waits for one.
      name: 'demo-images',
      everyMs: () => 500,
      run: async ({ domain }, signal) => {
        if (domain.demoImages.waiting) domain.demoImages.waiting = await attachNextDemoImage(domain, signal)
      },
    },
  ],
  plugin: async (app, { deps, config, domain }) => {
    await app.register(
      async (api: App) => {
        api.get('/products/health', { schema: { tags: ['health'] }, config: { rateLimit: false } }, (req, reply) => api.health(req, reply))
        registerProductRoutes(api, domain, config.PRODUCT_EDGE_MAX_AGE_SECONDS)
        await api.register(adminProductRoutes, { deps: domain, tokens: deps.tokens })
        await api.register(adminVariantRoutes, { deps: domain, tokens: deps.tokens })
        await api.register(adminImageRoutes, { deps: domain, tokens: deps.tokens, maxBytes: config.IMAGE_MAX_BYTES })
        await api.register(productStatsRoutes, { deps: domain, tokens: deps.tokens, lowStockThreshold: config.LOW_STOCK_THRESHOLD })
      },
      { prefix: '/api' },
    )
    registerInternalRoutes(app, domain, deps.peers.internalToken)
    if (config.IMAGES_BASE_URL.startsWith('/')) await serveImageFiles(app, domain.images.dir, config.IMAGES_BASE_URL)
    // The image being processed finishes; queued ones are recorded as interrupted.
    app.addHook('onClose', () => domain.inFlight.close(() => domain.images.close()))
  },
})
