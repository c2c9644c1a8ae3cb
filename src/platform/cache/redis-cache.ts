import type { Redis } from 'ioredis'
import type { Cache } from './cache.js'

/** Cache on a shared Redis client; every key is prefixed so services can share one server. */
export function createRedisCache(redis: Redis, prefix = 'emporium:cache:'): Cache {
  const k = (key: string) => prefix + key
  return {
    kind: 'redis',
    async get(key) {
      return (await redis.get(k(key))) ?? undefined
    },
    async set(key, value, ttlSeconds) {
      await redis.set(k(key), value, 'EX', Math.max(1, Math.ceil(ttlSeconds)))
    },
    async setPersistent(key, value) {
      await redis.set(k(key), value)
    },
    async setPersistentIfAbsent(key, value) {
      const ok = await redis.set(k(key), value, 'NX')
      if (ok === 'OK') return value
      return (await redis.get(k(key))) ?? value
    },
    async del(keys) {
      if (keys.length) await redis.del(...keys.map(k))
    },
    async ping() {
      await redis.ping()
    },
    async close() {
      // The client is shared and closed by its owner (connect.ts).
    },
  }
}
