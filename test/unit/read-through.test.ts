import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { pino } from 'pino'
import type { Cache } from '../../src/platform/cache/cache.js'
import { createMemoryCache } from '../../src/platform/cache/memory-cache.js'
import { createReadThrough, etagOf, STATS_FLUSH_MS } from '../../src/platform/cache/read-through.js'
import { createMetrics } from '../../src/platform/metrics.js'

const log = pino({ level: 'silent' })

function setup(cache: Cache = createMemoryCache()) {
  const metrics = createMetrics('rt', { defaultMetrics: false })
  return { rt: createReadThrough(cache, { metrics, log }), metrics }
}

async function counts(metrics: ReturnType<typeof createMetrics>) {
  const m = await metrics.cacheRequests.get()
  return Object.fromEntries(m.values.map((v) => [v.labels.result, v.value]))
}

/** A cache whose every call fails, like Redis behind a dead network. */
const brokenCache: Cache = {
  kind: 'redis',
  get: async () => { throw new Error('down') },
  set: async () => { throw new Error('down') },
  setPersistent: async () => { throw new Error('down') },
  setPersistentIfAbsent: async () => { throw new Error('down') },
  del: async () => { throw new Error('down') },
  getIndirect: async () => { throw new Error('down') },
  addCounters: async () => { throw new Error('down') },
  readCounters: async () => { throw new Error('down') },
  ping: async () => { throw new Error('down') },
  close: async () => {},
}

describe('read-through cache', () => {
  test('the second read is a hit with the same bytes and ETag', async () => {
    const { rt, metrics } = setup()
    let loads = 0
    const load = async () => ({ n: ++loads })
    const first = await rt.get('ns', 'k', 60, load)
    const second = await rt.get('ns', 'k', 60, load)
    assert.equal(loads, 1)
    assert.deepEqual(second, first)
    assert.equal(first.etag, etagOf('{"n":1}'))
    assert.deepEqual(await counts(metrics), { miss: 1, hit: 1 })
  })

  test("stats() gives the lookups per namespace, the same counts as this process's metric when it is the only one", async () => {
    const { rt, metrics } = setup()
    const load = async () => ({ n: 1 })
    await rt.get('a', 'k', 60, load)
    await rt.get('a', 'k', 60, load)
    await rt.get('a', 'k', 60, load)
    await rt.get('b', 'k', 0, load)
    const stats = await rt.stats()
    assert.equal(stats.scope, 'shop')
    assert.deepEqual(stats.namespaces, { a: { hit: 2, miss: 1, bypass: 0, error: 0 }, b: { hit: 0, miss: 0, bypass: 1, error: 0 } })
    assert.ok(Date.parse(stats.since) <= Date.now())
    assert.deepEqual(await counts(metrics), { miss: 1, hit: 2, bypass: 1 })
    assert.deepEqual((await rt.stats()).namespaces, stats.namespaces, 'asking again counts nothing twice')
  })

  test('stats() adds up the lookups of every instance sharing the cache: each adds its own when asked, and on a lookup every STATS_FLUSH_MS', async (t) => {
    const shared = createMemoryCache()
    const [a, b] = [setup(shared).rt, setup(shared).rt]
    const load = async () => ({ n: 1 })
    await a.get('ns', 'k', 60, load) // miss
    await b.get('ns', 'k', 60, load) // hit
    await b.get('ns', 'k', 60, load) // hit
    assert.deepEqual((await a.stats()).namespaces, { ns: { hit: 0, miss: 1, bypass: 0, error: 0 } }, "b has not added its lookups yet")
    assert.deepEqual((await b.stats()).namespaces, { ns: { hit: 2, miss: 1, bypass: 0, error: 0 } })
    await b.get('ns', 'k', 60, load)
    const now = Date.now()
    t.mock.method(Date, 'now', () => now + STATS_FLUSH_MS)
    await b.get('ns', 'k', 60, load) // this lookup adds b's two since its stats()
    await new Promise((r) => setImmediate(r))
    assert.deepEqual((await a.stats()).namespaces, { ns: { hit: 4, miss: 1, bypass: 0, error: 0 } })
  })

  test("stats() with the shared cache down: this process's figures, said to be so", async () => {
    const { rt } = setup(brokenCache)
    await rt.get('ns', 'k', 60, async () => ({ n: 1 }))
    const stats = await rt.stats()
    assert.equal(stats.scope, 'instance')
    assert.deepEqual(stats.namespaces, { ns: { hit: 0, miss: 0, bypass: 0, error: 1 } })
  })

  test('concurrent misses of one key run the loader once', async () => {
    const { rt } = setup()
    let loads = 0
    const load = async () => {
      loads++
      await new Promise((r) => setTimeout(r, 20))
      return { v: 1 }
    }
    const results = await Promise.all(Array.from({ length: 50 }, () => rt.get('ns', 'k', 60, load)))
    assert.equal(loads, 1)
    assert.ok(results.every((r) => r.body === '{"v":1}'))
  })

  test('invalidating a namespace makes the next read load again', async () => {
    const { rt } = setup()
    let version = 1
    const load = async () => ({ version })
    assert.equal((await rt.get('ns', 'k', 60, load)).body, '{"version":1}')
    version = 2
    assert.equal((await rt.get('ns', 'k', 60, load)).body, '{"version":1}')
    await rt.invalidate('ns')
    assert.equal((await rt.get('ns', 'k', 60, load)).body, '{"version":2}')
  })

  test('invalidation of one namespace leaves the others cached', async () => {
    const { rt } = setup()
    let loads = 0
    const load = async () => ({ n: ++loads })
    await rt.get('a', 'k', 60, load)
    await rt.get('b', 'k', 60, load)
    await rt.invalidate('a')
    await rt.get('b', 'k', 60, load)
    assert.equal(loads, 2)
  })

  test('a TTL of 0 bypasses the cache', async () => {
    const { rt, metrics } = setup()
    let loads = 0
    const load = async () => ({ n: ++loads })
    await rt.get('ns', 'k', 0, load)
    await rt.get('ns', 'k', 0, load)
    assert.equal(loads, 2)
    assert.deepEqual(await counts(metrics), { bypass: 2 })
  })

  test('a broken cache fails open: answers still come from the loader', async () => {
    const { rt, metrics } = setup(brokenCache)
    let loads = 0
    const load = async () => ({ n: ++loads })
    for (let i = 0; i < 10; i++) assert.equal((await rt.get('ns', 'k', 60, load)).body, `{"n":${i + 1}}`)
    const c = await counts(metrics)
    // After a few errors the breaker opens and stops trying the cache.
    assert.ok(c.error! >= 5 && c.bypass! >= 1, JSON.stringify(c))
    await rt.invalidate('ns')
  })

  test('loader errors reach the caller and are not cached', async () => {
    const { rt } = setup()
    let fail = true
    const load = async () => {
      if (fail) throw new Error('db down')
      return { ok: true }
    }
    await assert.rejects(rt.get('ns', 'k', 60, load), /db down/)
    fail = false
    assert.equal((await rt.get('ns', 'k', 60, load)).body, '{"ok":true}')
  })
})
