import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { describe, test } from 'node:test'
import type { Cache } from '../../src/platform/cache/cache.js'
import { createMemoryCache } from '../../src/platform/cache/memory-cache.js'
import { createRedisCache } from '../../src/platform/cache/redis-cache.js'
import { createRedis } from '../../src/platform/redis.js'
import { servers } from '../helpers/servers.js'

async function open(kind: 'memory' | 'redis', t: { after: (fn: () => Promise<void>) => void }): Promise<Cache> {
  if (kind === 'memory') return createMemoryCache()
  const redis = await createRedis(servers.redisUrl, { name: 'cache-contract', commandTimeoutMs: 2000 })
  t.after(async () => void (await redis.quit()))
  return createRedisCache(redis, `test${randomBytes(4).toString('hex')}:`)
}

/** The cache port: the in-memory LRU and Redis behave alike. */
for (const kind of ['memory', 'redis'] as const) {
  describe(`Cache port (${kind})`, () => {
    test('a missing key reads as undefined', async (t) => {
      const cache = await open(kind, t)
      assert.equal(await cache.get('nope'), undefined)
    })

    test('a value set is read back until its TTL passes', async (t) => {
      const cache = await open(kind, t)
      await cache.set('k', 'value with\nnewline and ünicode', 1)
      assert.equal(await cache.get('k'), 'value with\nnewline and ünicode')
      await new Promise((r) => setTimeout(r, 1200))
      assert.equal(await cache.get('k'), undefined)
    })

    test('del removes plain and persistent keys', async (t) => {
      const cache = await open(kind, t)
      await cache.set('a', '1', 60)
      await cache.setPersistent('b', '2')
      await cache.del(['a', 'b'])
      assert.equal(await cache.get('a'), undefined)
      assert.equal(await cache.get('b'), undefined)
    })

    test('setPersistentIfAbsent keeps the first value', async (t) => {
      const cache = await open(kind, t)
      assert.equal(await cache.setPersistentIfAbsent('g', 'first'), 'first')
      assert.equal(await cache.setPersistentIfAbsent('g', 'second'), 'first')
      await cache.setPersistent('g', 'third')
      assert.equal(await cache.get('g'), 'third')
    })

    test('getIndirect follows a pointer key to the entry it names', async (t) => {
      const cache = await open(kind, t)
      assert.deepEqual(await cache.getIndirect('ptr', 'ns:', ':k'), {})
      await cache.setPersistent('ptr', 'g1')
      assert.deepEqual(await cache.getIndirect('ptr', 'ns:', ':k'), { pointer: 'g1' })
      await cache.set('ns:g1:k', 'v1', 60)
      assert.deepEqual(await cache.getIndirect('ptr', 'ns:', ':k'), { pointer: 'g1', value: 'v1' })
      await cache.setPersistent('ptr', 'g2')
      assert.deepEqual(await cache.getIndirect('ptr', 'ns:', ':k'), { pointer: 'g2' })
    })

    test('getIndirect with a known copy sends only a flag while the entry is still that copy', async (t) => {
      const cache = await open(kind, t)
      await cache.setPersistent('ptr', 'g1')
      await cache.set('ns:g1:k', 'etag1\nbody one', 60)
      const known = { pointer: 'g1', head: 'etag1\n' }
      assert.deepEqual(await cache.getIndirect('ptr', 'ns:', ':k', known), { pointer: 'g1', unchanged: true })
      // Replaced under the same generation (another instance reloaded it): the new value comes back.
      await cache.set('ns:g1:k', 'etag2\nbody two', 60)
      assert.deepEqual(await cache.getIndirect('ptr', 'ns:', ':k', known), { pointer: 'g1', value: 'etag2\nbody two' })
      // Dropped (invalidateKeys): no value, no flag.
      await cache.del(['ns:g1:k'])
      assert.deepEqual(await cache.getIndirect('ptr', 'ns:', ':k', known), { pointer: 'g1' })
      // A new generation: the copy's generation no longer counts, even for equal bytes.
      await cache.set('ns:g2:k', 'etag1\nbody one', 60)
      await cache.setPersistent('ptr', 'g2')
      assert.deepEqual(await cache.getIndirect('ptr', 'ns:', ':k', known), { pointer: 'g2', value: 'etag1\nbody one' })
      assert.deepEqual(await cache.getIndirect('ptr', 'ns:', ':k', { pointer: 'g2', head: '' }), { pointer: 'g2', value: 'etag1\nbody one' })
    })

    test('counters add up what every caller adds, at once too, and read back as numbers', async (t) => {
      const cache = await open(kind, t)
      assert.deepEqual(await cache.readCounters('stats'), {})
      await cache.addCounters('stats', { 'a|hit': 2, 'a|miss': 1, 'b|hit': 0 })
      await Promise.all(Array.from({ length: 20 }, () => cache.addCounters('stats', { 'a|hit': 1, 'b|hit': 3 })))
      assert.deepEqual(await cache.readCounters('stats'), { 'a|hit': 22, 'a|miss': 1, 'b|hit': 60 })
      await cache.addCounters('stats', {})
      assert.deepEqual(await cache.readCounters('other'), {})
    })

    test('ping answers when the cache is up', async (t) => {
      const cache = await open(kind, t)
      await cache.ping()
    })
  })
}
