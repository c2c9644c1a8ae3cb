import type { Redis } from 'ioredis'
import { LRUCache } from 'lru-cache'

/**
 * The rate-limit counter port: hits per key in a fixed window that starts with
 * the key's first hit. Two adapters, chosen in deps.ts: this process (embedded)
 * and Redis (production, shared by every instance). Both pass
 * test/contract/rate-limit.test.ts.
 */
export interface RateCounters {
  readonly kind: 'memory' | 'redis'
  /** Counts one hit of the key; the hits of its current window so far and the ms until that window ends. */
  hit(key: string, windowMs: number): Promise<{ count: number; ttlMs: number }>
}

/** Counters in this process: the least recently hit keys are forgotten beyond maxKeys. */
export function createMemoryCounters(maxKeys = 50_000): RateCounters {
  const windows = new LRUCache<string, { count: number; endsAt: number }>({ max: maxKeys })
  return {
    kind: 'memory',
    async hit(key, windowMs) {
      const now = Date.now()
      let w = windows.get(key)
      if (!w || w.endsAt <= now) {
        w = { count: 0, endsAt: now + windowMs }
        windows.set(key, w)
      }
      w.count++
      return { count: w.count, ttlMs: w.endsAt - now }
    },
  }
}

// Increment and, on the first hit, start the window: atomic on the server, one round trip.
const HIT = `
local count = redis.call('INCR', KEYS[1])
if count == 1 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  return { count, tonumber(ARGV[1]) }
end
return { count, redis.call('PTTL', KEYS[1]) }`

type WithHit = Redis & { emporiumRateHit(key: string, windowMs: number): Promise<[number, number]> }

/** Counters in Redis under <keyPrefix><key>, shared by every instance. */
export function createRedisCounters(redis: Redis, keyPrefix: string): RateCounters {
  if (!('emporiumRateHit' in redis)) redis.defineCommand('emporiumRateHit', { numberOfKeys: 1, lua: HIT })
  const r = redis as WithHit
  return {
    kind: 'redis',
    async hit(key, windowMs) {
      const [count, ttlMs] = await r.emporiumRateHit(keyPrefix + key, windowMs)
      return { count, ttlMs }
    },
  }
}
