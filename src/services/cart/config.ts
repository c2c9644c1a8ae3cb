import { Type, type Static } from '@sinclair/typebox'

/** What the cart service reads from the environment. Defaults: 2000 requests per client per 15 minutes. */
export const cartConfig = Type.Object({
  CART_RATE_LIMIT_MAX: Type.Integer({ minimum: 1, default: 2000, description: 'Requests per client per window on /api/cart.' }),
  CART_RATE_LIMIT_WINDOW_MS: Type.Integer({ minimum: 1000, default: 15 * 60 * 1000 }),
  /** The cart lives in Redis in production; these size the pool of the SQL store (embedded, or without REDIS_URL). */
  CART_DB_POOL_MAX: Type.Integer({ minimum: 1, default: 10 }),
  CART_DB_POOL_MIN: Type.Integer({ minimum: 0, default: 2 }),
  CART_TTL_SECONDS: Type.Integer({
    minimum: 86_400,
    maximum: 365 * 86_400,
    default: 30 * 86_400,
    description: 'A cart nobody read or changed for this long is gone (default 30 days).',
  }),
  CART_MAX_QUANTITY: Type.Integer({ minimum: 1, maximum: 1000, default: 99, description: 'Most units of one product in a cart.' }),
  CART_MAX_LINES: Type.Integer({ minimum: 1, maximum: 100, default: 100, description: 'Most distinct products in a cart.' }),
  CART_SWEEP_MS: Type.Integer({ minimum: 1000, default: 3600_000, description: 'How often the SQL store deletes idle carts (Redis expires them itself).' }),
  CART_DEFAULT_CURRENCY: Type.String({ pattern: '^[A-Z]{3}$', default: 'USD', description: 'Currency of the subtotal of an empty cart.' }),
})

export type CartConfig = Static<typeof cartConfig>
