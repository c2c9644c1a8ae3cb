import type { Redis } from 'ioredis'
import type { Cache } from './cache.js'

// One round trip for "generation, then the entry of that generation". The second
// key is computed in the script, so with Redis Cluster both keys need one hash tag.
// When the caller holds a copy (ARGV[3] its generation, ARGV[4] how it starts) and
// the entry still starts that way, only a flag comes back, not the value.
const GET_INDIRECT = `
local pointer = redis.call('GET', KEYS[1])
if not pointer then return {} end
local key = ARGV[1] .. pointer .. ARGV[2]
if ARGV[3] == pointer and #ARGV[4] > 0 and redis.call('GETRANGE', key, 0, #ARGV[4] - 1) == ARGV[4] then return { pointer, false, 1 } end
return { pointer, redis.call('GET', key) }`

type WithIndirect = Redis & {
  emporiumGetIndirect(key: string, prefix: string, suffix: string, knownPointer: string, knownHead: string): Promise<[string?, (string | null)?, number?]>
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
    async getIndirect(pointerKey, keyPrefix, keySuffix, known) {
      const [pointer, value, unchanged] = await r.emporiumGetIndirect(k(pointerKey), k(keyPrefix), keySuffix, known?.pointer ?? '', known?.head ?? '')
      if (pointer === undefined) return {}
      if (unchanged === 1) return { pointer, unchanged: true }
      return value === null || value === undefined ? { pointer } : { pointer, value }
    },
    async addCounters(key, deltas) {
      const fields = Object.entries(deltas).filter(([, n]) => n !== 0)
      if (fields.length === 0) return
      const tx = redis.multi()
      for (const [field, n] of fields) tx.hincrby(k(key), field, n)
      await tx.exec()
    },
    async readCounters(key) {
      return Object.fromEntries(Object.entries(await redis.hgetall(k(key))).map(([field, n]) => [field, Number(n)]))
    },
    async ping() {
      await redis.ping()
    },
    async close() {
      // The client is shared and closed by its owner (connect.ts).
    },
  }
}
