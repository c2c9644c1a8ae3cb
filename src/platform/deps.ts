import path from 'node:path'
import type { Redis } from 'ioredis'
import type { Logger } from 'pino'
import type { TokenVerifierConfig } from './auth/config.js'
import { createTokenVerifier, type TokenVerifier } from './auth/token-verifier.js'
import type { EventBus } from './bus/bus.js'
import { busSettings } from './bus/config.js'
import { createEmbeddedBus } from './bus/embedded-bus.js'
import { createRabbitBus } from './bus/rabbit-bus.js'
import type { Cache } from './cache/cache.js'
import { createMemoryCache } from './cache/memory-cache.js'
import { createReadThrough, type ReadThrough } from './cache/read-through.js'
import { createRedisCache } from './cache/redis-cache.js'
import type { PlatformConfig } from './config.js'
import { createCursorCodec, type CursorCodec } from './cursors.js'
import { restrictToOwner, secureDataDir } from './data-dir.js'
import type { Db } from './db/db.js'
import { createPgDb } from './db/pg-db.js'
import { createPgliteDb } from './db/pglite-db.js'
import { resolveInternalToken } from './internal.js'
import type { Metrics } from './metrics.js'
import type { Peers } from './peers.js'
import { createMemoryCounters, createRedisCounters } from './rate-limit/counters.js'
import type { RateLimitBackend } from './rate-limit/rate-limit.js'
import { createRedis } from './redis.js'

/**
 * A storage port whose adapters belong to a service (the cart store): the
 * service names both, Deps.storage() picks one by the rule of the platform's own ports.
 */
export interface StorageAdapters<T> {
  /** With REDIS_URL: the shared Redis, keys under REDIS_KEY_PREFIX. */
  redis(client: Redis, keyPrefix: string): T
  /** Without: the service's schema in the database (embedded: PGlite). */
  sql(db: Db): T
}

/**
 * The ports a service receives. Adapters are chosen here, once: a URL in the
 * configuration means the real server, no URL means the embedded adapter.
 */
export interface Deps {
  log: Logger
  metrics: Metrics
  db: Db
  /** A read replica when DATABASE_READ_URL is set, else the same as db. */
  readDb: Db
  cache: Cache
  readThrough: ReadThrough
  rateLimit: RateLimitBackend
  /** The adapter of a service's own storage port, chosen like the others (Redis when REDIS_URL is set). */
  storage<T>(adapters: StorageAdapters<T>): T
  /** Signs and checks the keyset cursors of every list (CURSOR_SECRET). */
  cursors: CursorCodec
  /** Verifies access tokens locally (platform/auth); the auth service in this process hands it its keys. */
  tokens: TokenVerifier
  /** Events: RabbitMQ when AMQP_URL is set, else the in-process bus over the outbox tables. */
  bus: EventBus
  /** Readiness checks, by dependency name. */
  checks: Record<string, () => Promise<void>>
  /** The other services: in this process or at their URLs (see peerClient). */
  peers: Peers
  close(): Promise<void>
}

export interface ConnectOptions {
  /** Used for the pg application_name and the Redis connection name. */
  name: string
  pool: { max: number; min: number }
  log: Logger
  metrics: Metrics
  /** Use this database instead of opening one (tests hand in a clone of a template). */
  db?: Db
  /** Services mounted in this process. */
  localServices?: readonly string[]
  /**
   * Connect to Redis when REDIS_URL is set (default 'optional'); false: the in-process
   * adapters, no connection. 'required' (a store lives there: carts) gives its commands
   * 2 s instead of 500 ms: a loaded machine's event-loop stall must not fail them, while
   * what fails open (cache, limits) should give up fast.
   */
  redis?: 'required' | 'optional' | false
  /** Connect to RabbitMQ when AMQP_URL is set (default true); false: a process without events never connects. */
  events?: boolean
  /** Wait (10 s at most) for the broker before returning: scripts that need it now. Services never wait. */
  waitForBroker?: boolean
  /** The consumer queues every service declares: the broker's topology, declared before anything is published. */
  queues?: readonly { queue: string; patterns: readonly string[] }[]
}

export async function connect(config: PlatformConfig & Partial<TokenVerifierConfig>, options: ConnectOptions): Promise<Deps> {
  const closers: (() => Promise<void>)[] = []
  try {
    const db = options.db ?? (await openDb(config, options))
    if (!options.db) closers.push(() => db.close())
    let readDb = db
    if (config.DATABASE_READ_URL) {
      readDb = createPgDb({ url: config.DATABASE_READ_URL, ...options.pool, applicationName: `${options.name}-read` })
      closers.push(() => readDb.close())
    }
    let redis: Redis | undefined
    if (config.REDIS_URL && options.redis !== false) {
      const client = await createRedis(config.REDIS_URL, { name: `emporium-${options.name}`, commandTimeoutMs: config.REDIS_COMMAND_TIMEOUT_MS })
      redis = client
      closers.push(async () => {
        await client.quit().catch(() => client.disconnect())
      })
    }
    const cache = redis ? createRedisCache(redis, `${config.REDIS_KEY_PREFIX}cache:`) : createMemoryCache()
    const checks: Record<string, () => Promise<void>> = { database: () => db.ping() }
    if (readDb !== db) checks.readReplica = () => readDb.ping()
    if (redis) checks.redis = () => cache.ping()
    // Every service's settings include the event settings (loadServiceConfig); scripts get their defaults.
    const events = { settings: busSettings(config), log: options.log, registry: options.metrics.registry }
    // The broker is connected in the background: no process waits for it to start (the outbox holds the events).
    const rabbit = config.AMQP_URL && options.events !== false
    const bus = rabbit
      ? await createRabbitBus({ url: config.AMQP_URL!, name: `emporium-${options.name}`, queues: options.queues ?? [], waitForConnectionMs: options.waitForBroker ? 10_000 : 0, ...events })
      : createEmbeddedBus({ db, ...events })
    closers.push(() => bus.close())
    if (rabbit) checks.broker = () => bus.ping()
    return {
      log: options.log,
      metrics: options.metrics,
      db,
      readDb,
      cache,
      readThrough: createReadThrough(cache, { metrics: options.metrics, log: options.log, localMaxBytes: config.CACHE_LOCAL_MAX_MB * 2 ** 20 }),
      rateLimit: {
        counters: redis ? createRedisCounters(redis, `${config.REDIS_KEY_PREFIX}rl:`) : createMemoryCounters(),
        instances: config.INSTANCES,
      },
      storage: (adapters) => (redis ? adapters.redis(redis, config.REDIS_KEY_PREFIX) : adapters.sql(db)),
      cursors: createCursorCodec(config.CURSOR_SECRET),
      tokens: createTokenVerifier(config, options.log),
      bus,
      checks,
      peers: {
        local: new Set(options.localServices ?? []),
        urls: { product: config.PRODUCT_SERVICE_URL, cart: config.CART_SERVICE_URL, order: config.ORDER_SERVICE_URL },
        internalToken: resolveInternalToken(config.INTERNAL_API_TOKEN),
        log: options.log,
      },
      async close() {
        for (const close of closers.reverse()) await close().catch(() => {})
      },
    }
  } catch (err) {
    for (const close of closers.reverse()) await close().catch(() => {})
    throw err
  }
}

async function openDb(config: PlatformConfig, options: ConnectOptions): Promise<Db> {
  if (config.DATABASE_URL) {
    const db = createPgDb({ url: config.DATABASE_URL, ...options.pool, applicationName: options.name })
    await db.ping()
    return db
  }
  await secureDataDir(config.DATA_DIR)
  const db = await createPgliteDb({ dataDir: path.resolve(config.DATA_DIR, 'pglite') })
  // A first start copies PGlite's initial files in with mode 0666 whatever the umask; later files follow the umask.
  await restrictToOwner(config.DATA_DIR)
  return db
}
