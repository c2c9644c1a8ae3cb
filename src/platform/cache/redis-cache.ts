import type { Redis } from 'ioredis'
import type { Cache } from './cache.js'

// One round trip for "generation, then the entry of that generation". The second
// key is computed in the script, so with Redis Cluster both keys need one hash tag.
const GET_INDIRECT = `
local pointer = redis.call('GET', KEYS[1])
if not pointer then return {} end
return { pointer, redis.call('GET', ARGV[1] .. pointer .. ARGV[2]) }`

type WithIndirect = Redis & {
  emporiumGetIndirect(key: string, prefix: string, suffix: string): Promise<[string?, (string | null)?]>
}

/** Cache on a shared Redis client; every key is prefixed so services can share one server. */
export function createRedisCache(redis: Redis, prefix = 'emporium:cache:'): Cache {
  const k = (key: string) => prefix + key
  const r = redis as WithIndirect
  if (!('emporiumGetIndirect' in redis)) redis.defineCommand('emporiumGetIndirect', { numberOfKeys: 1, lua: GET_INDIRECT })
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
    async getIndirect(pointerKey, keyPrefix, keySuffix) {
      const [pointer, value] = await r.emporiumGetIndirect(k(pointerKey), k(keyPrefix), keySuffix)
      if (pointer === undefined) return {}
      return value === null || value === undefined ? { pointer } : { pointer, value }
    },
    async ping() {
      await redis.ping()
    },
    async close() {
      // The client is shared and closed by its owner (connect.ts).
    },
  }
}
