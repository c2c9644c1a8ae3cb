import { Type, type TObject } from '@sinclair/typebox'
import { tokenVerifierConfig } from '../platform/auth/config.js'
import type { Stopper } from '../platform/bus/bus.js'
import { busConfig } from '../platform/bus/config.js'
import type { MigrationSet } from '../platform/db/migrate.js'
import type { Deps } from '../platform/deps.js'
import type { App } from '../platform/server.js'
import { productConfig, type ProductConfig } from './product/config.js'
import { seedIfEmpty } from './product/demo-catalog.js'
import { productDepsOf, productService } from './product/index.js'
import { PRODUCT_QUEUE, startProductWorkers } from './product/subscriptions.js'
import { cartConfig, type CartServiceConfig } from './cart/config.js'
import { cartService } from './cart/index.js'
import { orderConfig, type OrderConfig } from './order/config.js'
import { orderService, startOrderWorkers } from './order/index.js'
import { authConfig, type AuthServiceConfig } from './auth/config.js'
import { authService } from './auth/index.js'
import { notificationConfig, type NotificationConfig } from './notification/config.js'
import { notificationService } from './notification/index.js'
import { NOTIFICATION_QUEUE, startNotifications } from './notification/subscriptions.js'

/**
 * Every service, in one list: its configuration schema, pool sizes, migrations,
 * where it mounts and what it does once on start-up. The composition root
 * (app.ts) reads this; nothing is discovered by folder.
 */
export interface ServiceDefinition<C = unknown> {
  name: ServiceName
  /** Mount point; the service's routes are relative to it. */
  prefix: string
  config: TObject
  /** The seed's pool sizes for this service when it runs alone. */
  pool: (config: C) => { max: number; min: number }
  migrations?: MigrationSet
  plugin: (app: App, options: { deps: Deps; config: C }) => Promise<void>
  /** One-time work after migrations (demo data), before the listener opens. */
  onStart?: (deps: Deps, config: C) => Promise<void>
  /**
   * Events: the outbox table the service writes (<outboxSchema>.outbox; a relay
   * publishes it) and the queue it consumes from. Declaring them is all it takes.
   */
  events?: { outboxSchema?: string; queue?: string }
  /** Background work (event consumers) started after the app is ready; returns what stops it. */
  start?: (deps: Deps, config: C) => Promise<Stopper>
}

export const SERVICE_NAMES = ['product', 'cart', 'order', 'auth', 'notification'] as const
export type ServiceName = (typeof SERVICE_NAMES)[number]

const product: ServiceDefinition<ProductConfig> = {
  name: 'product',
  // Public routes under /api, stock reservations under /internal.
  prefix: '',
  config: productConfig,
  pool: (c) => ({ max: c.PRODUCT_DB_POOL_MAX, min: c.PRODUCT_DB_POOL_MIN }),
  migrations: { schema: 'catalog', dir: new URL('./product/migrations/', import.meta.url) },
  plugin: productService,
  events: { queue: PRODUCT_QUEUE },
  start: (deps, c) => startProductWorkers(deps, productDepsOf(deps, c), c.RESERVATION_SWEEP_MS),
  onStart: async (deps, c) => {
    if (await seedIfEmpty(deps.db, c.SEED_DEMO_PRODUCTS)) {
      deps.log.info({ products: c.SEED_DEMO_PRODUCTS }, 'empty catalog: seeded the demo shop')
    }
  },
}

const order: ServiceDefinition<OrderConfig> = {
  name: 'order',
  prefix: '/api/orders',
  config: orderConfig,
  pool: (c) => ({ max: c.ORDER_DB_POOL_MAX, min: c.ORDER_DB_POOL_MIN }),
  migrations: { schema: 'orders', dir: new URL('./order/migrations/', import.meta.url) },
  plugin: orderService,
  events: { outboxSchema: 'orders' },
  start: startOrderWorkers,
}

const auth: ServiceDefinition<AuthServiceConfig> = {
  name: 'auth',
  prefix: '/api/auth',
  config: authConfig,
  pool: (c) => ({ max: c.AUTH_DB_POOL_MAX, min: c.AUTH_DB_POOL_MIN }),
  migrations: { schema: 'auth', dir: new URL('./auth/migrations/', import.meta.url) },
  plugin: authService,
  events: { outboxSchema: 'auth' },
}

const cart: ServiceDefinition<CartServiceConfig> = {
  name: 'cart',
  // Public routes under /api/cart, the order service's view of a cart under /internal/carts.
  prefix: '',
  config: cartConfig,
  // The seed has no pool for the cart (Redis in production); this sizes the embedded/SQL store.
  pool: (c) => ({ max: c.CART_DB_POOL_MAX, min: c.CART_DB_POOL_MIN }),
  migrations: { schema: 'carts', dir: new URL('./cart/migrations/', import.meta.url) },
  plugin: cartService,
}

const notification: ServiceDefinition<NotificationConfig> = {
  name: 'notification',
  // Internal only: /api/notifications/health, and /dev/mail in the embedded shop.
  prefix: '',
  config: notificationConfig,
  pool: (c) => ({ max: c.NOTIFICATION_DB_POOL_MAX, min: c.NOTIFICATION_DB_POOL_MIN }),
  migrations: { schema: 'notifications', dir: new URL('./notification/migrations/', import.meta.url) },
  plugin: notificationService,
  events: { queue: NOTIFICATION_QUEUE },
  start: startNotifications,
}

export const SERVICES: Record<ServiceName, ServiceDefinition<never>> = {
  product: product as ServiceDefinition<never>,
  cart: cart as ServiceDefinition<never>,
  order: order as ServiceDefinition<never>,
  auth: auth as ServiceDefinition<never>,
  notification: notification as ServiceDefinition<never>,
}

export function selectServices(which: string): ServiceDefinition<never>[] {
  if (which === 'all') return SERVICE_NAMES.map((n) => SERVICES[n])
  if ((SERVICE_NAMES as readonly string[]).includes(which)) return [SERVICES[which as ServiceName]]
  throw new Error(`unknown service '${which}': use one of ${SERVICE_NAMES.join(', ')} or all`)
}

/** The configuration schema of a set of services, merged, plus access-token verification (every service checks tokens) and the event settings. */
export function configSchemaOf(services: ServiceDefinition<never>[]): TObject {
  return Type.Composite([tokenVerifierConfig, busConfig, ...services.map((s) => s.config)])
}

/**
 * Starts the services' background work: consumers first (their queues exist
 * before the first publish), then one outbox relay per producing service.
 * Returns a function that stops everything in reverse order, once.
 */
export async function startWorkers(services: ServiceDefinition<never>[], deps: Deps, config: object): Promise<() => Promise<void>> {
  const stoppers: Stopper[] = []
  const stopAll = async () => {
    for (const stop of stoppers.splice(0).reverse()) await stop().catch((err: unknown) => deps.log.error({ err }, 'stopping a worker failed'))
  }
  if ((config as { EVENTS_WORKERS?: boolean }).EVENTS_WORKERS === false) return stopAll
  if (deps.bus.kind === 'embedded' && services.length < SERVICE_NAMES.length) {
    deps.log.warn('no AMQP_URL: events only reach consumers in this process; services running apart need RabbitMQ')
  }
  try {
    for (const s of services) if (s.start) stoppers.push(await s.start(deps, config as never))
    for (const s of services) if (s.events?.outboxSchema) stoppers.push(await deps.bus.startRelay(deps.db, s.events.outboxSchema))
  } catch (err) {
    await stopAll()
    throw err
  }
  return stopAll
}
