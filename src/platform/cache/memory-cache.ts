import { LRUCache } from 'lru-cache'
import type { Cache } from './cache.js'

export function createMemoryCache(options: { maxEntries?: number; maxBytes?: number } = {}): Cache {
  const lru = new LRUCache<string, string>({
    max: options.maxEntries ?? 10_000,
    maxSize: options.maxBytes ?? 64 * 1024 * 1024,
    sizeCalculation: (v, k) => v.length + k.length,
    ttlAutopurge: false,
  })
  // Kept apart from the LRU so that a generation is never evicted and reset.
  const persistent = new Map<string, string>()
  const counters = new Map<string, Map<string, number>>()
  return {
    kind: 'memory',
    async get(key) {
      return persistent.get(key) ?? lru.get(key)
    },
    async set(key, value, ttlSeconds) {
      lru.set(key, value, { ttl: ttlSeconds * 1000 })
    },
    async setPersistent(key, value) {
      persistent.set(key, value)
    },
    async setPersistentIfAbsent(key, value) {
      const existing = persistent.get(key)
      if (existing !== undefined) return existing
      persistent.set(key, value)
      return value
    },
    async del(keys) {
      for (const k of keys) {
        lru.delete(k)
        persistent.delete(k)
      }
    },
    async getIndirect(pointerKey, keyPrefix, keySuffix, known) {
      const pointer = persistent.get(pointerKey) ?? lru.get(pointerKey)
      if (pointer === undefined) return {}
      const value = lru.get(keyPrefix + pointer + keySuffix)
      if (value === undefined) return { pointer }
      return known?.head && known.pointer === pointer && value.startsWith(known.head) ? { pointer, unchanged: true } : { pointer, value }
    },
    async addCounters(key, deltas) {
      let c = counters.get(key)
      if (!c) counters.set(key, (c = new Map()))
      for (const [field, n] of Object.entries(deltas)) if (n !== 0) c.set(field, (c.get(field) ?? 0) + n)
    },
    async readCounters(key) {
      return Object.fromEntries(counters.get(key) ?? [])
    },
    async ping() {},
    async close() {
      lru.clear()
      persistent.clear()
      counters.clear()
    },
  }
}
