import { Type } from '@sinclair/typebox'

/** What the order service reads from the environment. Defaults: 500 requests per client per 15 minutes, a pool of 30/5 connections. */
export const orderConfig = Type.Object({
  ORDER_RATE_LIMIT_MAX: Type.Integer({ minimum: 1, default: 500 }),
  ORDER_RATE_LIMIT_WINDOW_MS: Type.Integer({ minimum: 1000, default: 15 * 60 * 1000 }),
  ORDER_DB_POOL_MAX: Type.Integer({ minimum: 1, default: 30 }),
  ORDER_DB_POOL_MIN: Type.Integer({ minimum: 0, default: 5 }),
  /** How long an order waits for its payment before it is cancelled and its stock released. */
  ORDER_PAYMENT_WINDOW_MS: Type.Integer({ minimum: 1000, default: 30 * 60 * 1000 }),
  /**
   * How long the product service holds the stock of a checkout whose order.placed
   * event it has not seen (the order was never written: a crash between the two
   * steps). Far longer than a checkout plus the event's delivery can take.
   */
  ORDER_RESERVATION_TTL_SECONDS: Type.Integer({ minimum: 10, default: 2 * 3600 }),
  /** An in-flight Idempotency-Key whose holder stopped can be taken over after this. */
  ORDER_IDEMPOTENCY_LOCK_MS: Type.Integer({ minimum: 100, default: 30_000 }),
  ORDER_IDEMPOTENCY_TTL_SECONDS: Type.Integer({ minimum: 3600, default: 24 * 3600 }),
  ORDER_SWEEP_MS: Type.Integer({ minimum: 100, default: 30_000 }),
  PAYMENT_PROVIDER: Type.Literal('test', { default: 'test', description: 'Only the built-in test provider so far.' }),
})
