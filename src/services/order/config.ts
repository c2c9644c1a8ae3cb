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
  /**
   * A checkout holds its Idempotency-Key this long; a retry with the key finds it
   * taken (409 IDEMPOTENCY_IN_FLIGHT) until the checkout ends or this passes, and then
   * resumes the same order (its holder stopped: a crash). Far above a checkout's own time
   * (well under a second), well within a client's retry budget (docs/orders.md, Recovery).
   */
  ORDER_IDEMPOTENCY_LOCK_MS: Type.Integer({
    minimum: 100,
    default: 10_000,
    description: 'How long a checkout holds its Idempotency-Key: a retry resumes a checkout whose process stopped after this.',
  }),
  /**
   * A payment attempt still pending after this is taken to be abandoned (its process
   * stopped mid-call) and settled from the provider's answer to its key. Must exceed
   * the provider call's own timeout, or a slow call could be settled under it.
   */
  ORDER_PAYMENT_STALE_MS: Type.Integer({
    minimum: 1000,
    default: 30_000,
    description: "A payment attempt pending this long is settled by the sweep from the provider's answer (409 PAYMENT_IN_PROGRESS until then); keep it above the provider call's timeout.",
  }),
  ORDER_IDEMPOTENCY_TTL_SECONDS: Type.Integer({ minimum: 3600, default: 24 * 3600 }),
  ORDER_SWEEP_MS: Type.Integer({
    minimum: 100,
    default: 10_000,
    description: 'How often each instance looks for expired unpaid orders, abandoned payment attempts and unfinished refunds.',
  }),
  ORDER_PRICES_INCLUDE_TAX: Type.Boolean({
    default: false,
    description: "The catalog's prices include tax (gross: tax is the part of the total that is tax) or not (net: tax is added to the total).",
  }),
  PAYMENT_PROVIDER: Type.Literal('test', { default: 'test', description: 'Only the built-in test provider so far.' }),
})
