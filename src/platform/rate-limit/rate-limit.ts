import { createRequire } from 'node:module'
import rateLimit from '@fastify/rate-limit'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { Redis } from 'ioredis'
import { rateLimited, rateLimitUnavailable } from '../errors.js'

const require = createRequire(import.meta.url)
type StoreResult = { current: number; ttl: number }
type StoreCallback = (err: Error | null, res?: StoreResult) => void
interface Store {
  incr(key: string, cb: StoreCallback, timeWindow: number, max: number): void
  child(routeOptions: unknown): Store
}
type StoreCtor = new (continueExceeding: boolean, exponentialBackoff: boolean, ...rest: unknown[]) => Store
const LocalStore = require('@fastify/rate-limit/store/LocalStore') as StoreCtor
const RedisStore = require('@fastify/rate-limit/store/RedisStore') as StoreCtor

export interface RateLimitPolicy {
  /** Requests per window per client. */
  max: number
  windowMs: number
  /** Separates the counters of different services in one Redis. */
  nameSpace: string
  /**
   * When the shared store (Redis) fails: false (default) falls back to a limiter
   * in this process sized max / instances; true refuses with 503 + Retry-After
   * (login and password reset must not become unlimited).
   */
  failClosed?: boolean
  keyGenerator?: (req: FastifyRequest) => string | Promise<string>
}

/** Where counters live: this process (embedded) or Redis, shared by every instance. */
export interface RateLimitBackend {
  redis?: Redis
  /** Instances of this service: the per-process fallback allows max / instances. */
  instances: number
  /** Prefix of the Redis keys, before the policy's name space. */
  keyPrefix: string
}

/**
 * The store used with Redis: counts in Redis; when Redis fails, counts in this
 * process (fail open, scaled down) or refuses (fail closed).
 */
function redisStoreWithFallback(redis: Redis, policy: RateLimitPolicy, backend: RateLimitBackend): new () => Store {
  const shared = new RedisStore(false, false, redis, `${backend.keyPrefix}${policy.nameSpace}:`)
  const local = new LocalStore(false, false, 10_000)
  class FallbackStore implements Store {
    incr(key: string, cb: StoreCallback, timeWindow: number, max: number) {
      shared.incr(key, (err, res) => {
        if (!err) return cb(null, res)
        if (policy.failClosed) {
          return cb(rateLimitUnavailable())
        }
        // The plugin compares the count with the full max; scale this process's count so
        // that it trips after its share, max / instances.
        const share = Math.max(1, Math.floor(max / backend.instances))
        local.incr(key, (e, r) => cb(e, r && { current: Math.ceil((r.current * max) / share), ttl: r.ttl }), timeWindow, share)
      }, timeWindow, max)
    }
    child() {
      return this
    }
  }
  return FallbackStore
}

/**
 * Applies the policy to every route registered after it in the calling plugin
 * (encapsulated: one service's limit never applies to another's routes).
 * 429 + Retry-After with the JSON error body when exceeded.
 */
export async function registerRateLimit(app: FastifyInstance, backend: RateLimitBackend, policy: RateLimitPolicy) {
  await app.register(rateLimit, {
    global: true,
    max: policy.max,
    timeWindow: policy.windowMs,
    hook: 'onRequest',
    ...(policy.keyGenerator ? { keyGenerator: policy.keyGenerator } : {}),
    ...(backend.redis
      ? { store: redisStoreWithFallback(backend.redis, policy, backend) as never }
      : { nameSpace: policy.nameSpace }),
    skipOnError: false,
    addHeadersOnExceeding: { 'x-ratelimit-limit': true, 'x-ratelimit-remaining': true, 'x-ratelimit-reset': true },
    addHeaders: { 'x-ratelimit-limit': true, 'x-ratelimit-remaining': true, 'x-ratelimit-reset': true, 'retry-after': true },
    errorResponseBuilder: (_req, ctx) =>
      rateLimited(ctx.after, Math.max(1, Math.ceil(ctx.ttl / 1000))),
  })
}
