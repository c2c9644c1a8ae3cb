import rateLimit, { type FastifyRateLimitStore, type FastifyRateLimitStoreCtor } from '@fastify/rate-limit'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { rateLimited, rateLimitUnavailable } from '../errors.js'
import { createMemoryCounters, type RateCounters } from './counters.js'

export interface RateLimitPolicy {
  /** Requests per window per client. */
  max: number
  windowMs: number
  /** Separates the counters of different services in one Redis. */
  nameSpace: string
  /**
   * When the shared counters (Redis) fail: false (default) falls back to a
   * limiter in this process sized max / instances; true refuses with 503 +
   * Retry-After (login and password reset must not become unlimited).
   */
  failClosed?: boolean
  keyGenerator?: (req: FastifyRequest) => string | Promise<string>
}

/** Where counters live (deps.ts picks the adapter), and how many instances share them. */
export interface RateLimitBackend {
  counters: RateCounters
  /** Instances of this service: while the shared counters fail, each allows max / instances. */
  instances: number
}

/**
 * The policy's store, through the plugin's public `store` option: counts in the
 * backend's counters; when shared counters fail, counts in this process (fail
 * open, scaled down) or refuses (fail closed).
 */
function storeOf(backend: RateLimitBackend, policy: RateLimitPolicy): FastifyRateLimitStoreCtor {
  const fallback = createMemoryCounters(10_000)
  const counted = async (key: string, windowMs: number, max: number) => {
    try {
      const { count, ttlMs } = await backend.counters.hit(`${policy.nameSpace}:${key}`, windowMs)
      return { current: count, ttl: ttlMs }
    } catch (err) {
      if (backend.counters.kind === 'memory') throw err
      if (policy.failClosed) throw rateLimitUnavailable()
      // The plugin compares the count with the full max; scale this process's count so
      // that it trips after its share, max / instances.
      const share = Math.max(1, Math.floor(max / backend.instances))
      const { count, ttlMs } = await fallback.hit(`${policy.nameSpace}:${key}`, windowMs)
      return { current: Math.ceil((count * max) / share), ttl: ttlMs }
    }
  }
  return class PolicyStore implements FastifyRateLimitStore {
    incr(key: string, cb: (err: Error | null, result?: { current: number; ttl: number }) => void, timeWindow: number, max: number) {
      counted(key, timeWindow, max).then((r) => cb(null, r), (err: Error) => cb(err))
    }
    // Routes only switch the limit off (config.rateLimit false); none has its own, so one store serves all.
    child() {
      return this
    }
  }
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
    store: storeOf(backend, policy),
    skipOnError: false,
    addHeadersOnExceeding: { 'x-ratelimit-limit': true, 'x-ratelimit-remaining': true, 'x-ratelimit-reset': true },
    addHeaders: { 'x-ratelimit-limit': true, 'x-ratelimit-remaining': true, 'x-ratelimit-reset': true, 'retry-after': true },
    errorResponseBuilder: (_req, ctx) => rateLimited(ctx.after, Math.max(1, Math.ceil(ctx.ttl / 1000))),
  })
}
