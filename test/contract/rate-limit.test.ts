import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { describe, test } from 'node:test'
import { pino } from 'pino'
import type { Redis } from 'ioredis'
import { loadConfig } from '../../src/platform/config.js'
import { createMetrics } from '../../src/platform/metrics.js'
import { createMemoryCounters, createRedisCounters, type RateCounters } from '../../src/platform/rate-limit/counters.js'
import { registerRateLimit, type RateLimitPolicy } from '../../src/platform/rate-limit/rate-limit.js'
import { createRedis } from '../../src/platform/redis.js'
import { createServer, type App } from '../../src/platform/server.js'
import { Type } from '@sinclair/typebox'
import { servers } from '../helpers/servers.js'
import { startTcpProxy } from '../helpers/tcp-proxy.js'

type Scope = { after: (fn: () => Promise<void>) => void }

async function limitedApp(t: Scope, redis: Redis | undefined, policy: Partial<RateLimitPolicy> & { keyPrefix?: string; instances?: number } = {}): Promise<App> {
  const config = loadConfig(Type.Object({}), { LOG_LEVEL: 'silent' })
  const { app } = await createServer({
    name: 'rl-test',
    config,
    logger: pino({ level: 'silent' }),
    metrics: createMetrics('rl-test', { defaultMetrics: false }),
    checks: [],
  })
  await app.register(async (scope) => {
    const counters = redis ? createRedisCounters(redis, policy.keyPrefix ?? 'rl-test:') : createMemoryCounters()
    await registerRateLimit(scope as App, { counters, instances: policy.instances ?? 1 }, {
      max: 3,
      windowMs: 60_000,
      nameSpace: 'svc',
      ...policy,
    })
    scope.get('/limited', async () => ({ ok: true }))
  })
  await app.ready()
  t.after(() => app.close())
  return app
}

const hit = (app: App) => app.inject({ method: 'GET', url: '/limited' })

/** The rate-limit counter port: in process (embedded) or in Redis (shared by instances). */
for (const kind of ['memory', 'redis'] as const) {
  describe(`RateCounters port (${kind})`, () => {
    async function open(t: Scope): Promise<RateCounters> {
      if (kind === 'memory') return createMemoryCounters()
      const redis = await createRedis(servers.redisUrl, { name: 'rl-counters-test', commandTimeoutMs: 2000 })
      t.after(async () => void (await redis.quit()))
      return createRedisCounters(redis, `test${randomBytes(4).toString('hex')}:`)
    }

    test('hits of one key count up within its window; another key counts apart', async (t) => {
      const counters = await open(t)
      const first = await counters.hit('a', 60_000)
      assert.equal(first.count, 1)
      assert.ok(first.ttlMs > 59_000 && first.ttlMs <= 60_000, `ttl ${first.ttlMs}`)
      assert.equal((await counters.hit('a', 60_000)).count, 2)
      assert.equal((await counters.hit('b', 60_000)).count, 1)
      const third = await counters.hit('a', 60_000)
      assert.equal(third.count, 3)
      assert.ok(third.ttlMs <= first.ttlMs, 'the window does not restart with later hits')
    })

    test('a new window starts once the old one has passed', async (t) => {
      const counters = await open(t)
      await counters.hit('a', 50)
      await counters.hit('a', 50)
      await new Promise((r) => setTimeout(r, 300))
      assert.equal((await counters.hit('a', 50)).count, 1)
    })
  })
}

/** The limit over HTTP, on either adapter, and what happens when Redis goes away. */
describe('rate limits (in process)', () => {
  test('the request over the limit gets 429 with Retry-After and the JSON error', async (t) => {
    const app = await limitedApp(t, undefined)
    for (let i = 0; i < 3; i++) assert.equal((await hit(app)).statusCode, 200)
    const res = await hit(app)
    assert.equal(res.statusCode, 429)
    assert.equal(res.json().error.code, 'RATE_LIMITED')
    assert.ok(Number(res.headers['retry-after']) > 0)
    assert.equal(res.headers['x-ratelimit-limit'], '3')
  })
})

describe('rate limits (Redis)', () => {
  test('two instances sharing Redis share one budget', async (t) => {
    const redis = await createRedis(servers.redisUrl, { name: 'rl-test', commandTimeoutMs: 2000 })
    t.after(async () => void (await redis.quit()))
    const keyPrefix = `test${randomBytes(4).toString('hex')}:`
    const a = await limitedApp(t, redis, { keyPrefix })
    const b = await limitedApp(t, redis, { keyPrefix })
    const codes = []
    for (const app of [a, b, a, b, a]) codes.push((await hit(app)).statusCode)
    assert.deepEqual(codes, [200, 200, 200, 429, 429])
  })

  test('with Redis unreachable, limits fail open to a per-instance share of the limit', async (t) => {
    const proxy = await startTcpProxy(Number(new URL(servers.redisUrl).port))
    t.after(() => proxy.close())
    const redis = await createRedis(proxy.url('redis'), { name: 'rl-test', commandTimeoutMs: 200 })
    t.after(async () => void redis.disconnect())
    // 4 allowed in all, 2 instances: each allows 2 while Redis is away.
    const app = await limitedApp(t, redis, { max: 4, instances: 2, keyPrefix: `test${randomBytes(4).toString('hex')}:` })
    proxy.stall()
    const codes = []
    for (let i = 0; i < 3; i++) codes.push((await hit(app)).statusCode)
    assert.deepEqual(codes, [200, 200, 429])
  })

  test('with Redis unreachable, a fail-closed limit refuses with 503 and Retry-After', async (t) => {
    const proxy = await startTcpProxy(Number(new URL(servers.redisUrl).port))
    t.after(() => proxy.close())
    const redis = await createRedis(proxy.url('redis'), { name: 'rl-test', commandTimeoutMs: 200 })
    t.after(async () => void redis.disconnect())
    const app = await limitedApp(t, redis, { failClosed: true, keyPrefix: `test${randomBytes(4).toString('hex')}:` })
    assert.equal((await hit(app)).statusCode, 200)
    proxy.stall()
    const res = await hit(app)
    assert.equal(res.statusCode, 503)
    assert.equal(res.json().error.code, 'RATE_LIMIT_UNAVAILABLE')
    assert.equal(res.headers['retry-after'], '5')
  })
})
