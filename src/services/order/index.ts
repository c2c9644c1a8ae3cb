import { createCartClient } from '../../contracts/cart.js'
import { createProductClient } from '../../contracts/product.js'
import { registerIdentity } from '../../platform/auth/identity.js'
import type { Stopper } from '../../platform/bus/bus.js'
import type { Deps } from '../../platform/deps.js'
import { peerClient } from '../../platform/peers.js'
import { registerRateLimit } from '../../platform/rate-limit/rate-limit.js'
import type { App } from '../../platform/server.js'
import type { OrderConfig } from './config.js'
import * as store from './order-store.js'
import { deleteOldIdempotencyKeys } from './idempotency-store.js'
import type { OrderDeps } from './order-deps.js'
import { sweep } from './sweeper.js'
import { createTestProvider } from './test-provider.js'
import { registerOrderRoutes } from './routes.js'

export function orderDepsOf(deps: Deps, config: OrderConfig): OrderDeps {
  return {
    db: deps.db,
    products: createProductClient(peerClient(deps.peers, 'product')),
    cart: createCartClient(peerClient(deps.peers, 'cart')),
    payments: createTestProvider(deps.db),
    log: deps.log.child({ service: 'order' }),
    settings: { reservationTtlSeconds: config.ORDER_RESERVATION_TTL_SECONDS },
  }
}

/**
 * The order service: checkout with Idempotency-Key, payment, the order life
 * cycle. Mounted at /api/orders; it owns the `orders` schema and publishes the
 * order.* events through its outbox.
 */
export async function orderService(app: App, { deps, config }: { deps: Deps; config: OrderConfig }) {
  const orderDeps = orderDepsOf(deps, config)
  app.get('/health', { schema: { tags: ['health'] }, config: { rateLimit: false } }, (_req, reply) => app.health(reply))
  await registerRateLimit(app, deps.rateLimit, { max: config.ORDER_RATE_LIMIT_MAX, windowMs: config.ORDER_RATE_LIMIT_WINDOW_MS, nameSpace: 'order' })
  registerIdentity(app, deps.tokens)
  registerOrderRoutes(app, orderDeps, { idempotencyLockMs: config.ORDER_IDEMPOTENCY_LOCK_MS })
}

/** Background work of every order instance: payment-window expiry, stale payments, refunds, old keys. */
export async function startOrderWorkers(deps: Deps, config: OrderConfig): Promise<Stopper> {
  const orderDeps = orderDepsOf(deps, config)
  let running: Promise<unknown> = Promise.resolve()
  const timer = setInterval(() => {
    running = (async () => {
      const r = await sweep(orderDeps, config.ORDER_PAYMENT_WINDOW_MS)
      if (r.expired || r.settled || r.refunded) deps.log.info(r, 'order sweep')
      await deleteOldIdempotencyKeys(deps.db, config.ORDER_IDEMPOTENCY_TTL_SECONDS)
    })().catch((err) => deps.log.error({ err }, 'order sweep failed'))
  }, config.ORDER_SWEEP_MS)
  timer.unref()
  return async () => {
    clearInterval(timer)
    await running
  }
}
