import { Type } from '@sinclair/typebox'
import type { Settings } from '../../platform/service.js'
import { imageConfig } from './images/config.js'

/**
 * What the product service reads from the environment. Defaults: 1000 requests
 * per client per 15 minutes, a pool of 50/10 connections; durations end in _MS or _SECONDS.
 */
const catalogConfig = Type.Object({
  PRODUCT_RATE_LIMIT_MAX: Type.Integer({ minimum: 1, default: 1000 }),
  PRODUCT_RATE_LIMIT_WINDOW_MS: Type.Integer({ minimum: 1000, default: 15 * 60 * 1000 }),
  PRODUCT_DB_POOL_MAX: Type.Integer({ minimum: 1, default: 50 }),
  PRODUCT_DB_POOL_MIN: Type.Integer({ minimum: 0, default: 10 }),
  /** 0 turns the cache off for that kind of answer. */
  CACHE_TTL_PRODUCTS_SECONDS: Type.Integer({ minimum: 0, default: 300 }),
  CACHE_TTL_DEALS_SECONDS: Type.Integer({ minimum: 0, default: 600 }),
  CACHE_TTL_RECOMMENDATIONS_SECONDS: Type.Integer({ minimum: 0, default: 600 }),
  CACHE_TTL_CATEGORIES_SECONDS: Type.Integer({ minimum: 0, default: 3600 }),
  /** s-maxage for shared caches in front of us (nginx micro-cache, a CDN). */
  PRODUCT_EDGE_MAX_AGE_SECONDS: Type.Integer({ minimum: 0, default: 2 }),
  /** How often held reservations whose order never got written are looked for. */
  RESERVATION_SWEEP_MS: Type.Integer({ minimum: 100, default: 30_000 }),
  /** The admin dashboard lists products with at most this many units (GET /api/products/stats/low-stock). */
  LOW_STOCK_THRESHOLD: Type.Integer({ minimum: 0, default: 5 }),
  /** Products made on start-up when the catalog is empty; 0 for none. */
  SEED_DEMO_PRODUCTS: Type.Integer({ minimum: 0, default: 2000 }),
})

/** The catalog's settings and its image pipeline's (IMAGES_DIR, IMAGE_WORKERS, ...: images/config.ts). */
export const productConfig = Type.Composite([catalogConfig, imageConfig])

export type ProductSettings = Settings<typeof productConfig>
