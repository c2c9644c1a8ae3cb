import assert from 'node:assert/strict'
import { test } from 'node:test'
import { ConfigError } from '../../src/platform/config.js'
import { processNeeds } from '../../src/platform/profile.js'
import { loadServiceConfig } from '../../src/platform/service.js'
import { selectServices } from '../../src/services/registry.js'

/**
 * PROFILE=production refuses to half-start: what each service needs comes from
 * its own definition, and everything missing is named in one error (one line
 * at boot). The embedded profile keeps its fallbacks.
 */
function problemsOf(which: string, env: Record<string, string>): string[] {
  try {
    loadServiceConfig(selectServices(which), { PROFILE: 'production', ...env })
    return []
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err))
    return err.problems.map((p) => p.split(' ')[0]!)
  }
}

const SECRET = 'x'.repeat(43)
const TOKEN = 'y'.repeat(43)

test('the order service in production needs the servers it uses, the shared token, the auth keys and both peers it calls', () => {
  assert.deepEqual(problemsOf('order', {}), ['DATABASE_URL', 'REDIS_URL', 'AMQP_URL', 'INTERNAL_API_TOKEN', 'AUTH_JWKS_URL', 'PRODUCT_SERVICE_URL', 'CART_SERVICE_URL'])
  assert.deepEqual(
    problemsOf('order', {
      DATABASE_URL: 'postgres://db/shop',
      REDIS_URL: 'redis://redis',
      AMQP_URL: 'amqp://mq',
      INTERNAL_API_TOKEN: TOKEN,
      AUTH_JWKS_URL: 'http://auth/jwks',
      PRODUCT_SERVICE_URL: 'http://product',
    }),
    ['CART_SERVICE_URL'],
  )
})

test('each service is asked only for what it uses: the cart no broker, the notification service no Redis, only auth the signing secret', () => {
  const base = { DATABASE_URL: 'postgres://db/shop', INTERNAL_API_TOKEN: TOKEN }
  assert.deepEqual(problemsOf('cart', base), ['REDIS_URL', 'AUTH_JWKS_URL', 'PRODUCT_SERVICE_URL'])
  assert.deepEqual(problemsOf('notification', base), ['AMQP_URL'])
  assert.deepEqual(problemsOf('auth', base), ['REDIS_URL', 'AMQP_URL', 'JWT_SECRET'])
  assert.deepEqual(problemsOf('product', base), ['REDIS_URL', 'AMQP_URL', 'AUTH_JWKS_URL'])
  assert.deepEqual(problemsOf('product', { ...base, REDIS_URL: 'redis://r', AMQP_URL: 'amqp://q', AUTH_JWKS: '{"keys":[]}' }), [], 'AUTH_JWKS does as well as its URL')
})

test('all services in one process in production: no peer URL (they are local), no JWKS (auth is local)', () => {
  assert.deepEqual(problemsOf('all', {}), ['DATABASE_URL', 'REDIS_URL', 'AMQP_URL', 'INTERNAL_API_TOKEN', 'JWT_SECRET'])
  assert.deepEqual(problemsOf('all', { DATABASE_URL: 'postgres://db/shop', REDIS_URL: 'redis://r', AMQP_URL: 'amqp://q', INTERNAL_API_TOKEN: TOKEN, JWT_SECRET: SECRET }), [])
})

test('the embedded profile (the default) keeps its fallbacks: nothing is required', () => {
  for (const which of ['all', 'order', 'cart', 'notification']) {
    assert.doesNotThrow(() => loadServiceConfig(selectServices(which), {}), which)
  }
})

test('the whole message is one line naming every missing setting and who needs it', () => {
  assert.throws(
    () => loadServiceConfig(selectServices('cart'), { PROFILE: 'production', DATABASE_URL: 'postgres://db/shop', INTERNAL_API_TOKEN: TOKEN, AUTH_JWKS_URL: 'http://auth/jwks', REDIS_URL: 'redis://r' }),
    (err: Error) => {
      assert.equal(err.message, 'invalid configuration: PRODUCT_SERVICE_URL is required with PROFILE=production (cart calls the product service)')
      return true
    },
  )
})

test('the needs merge: the strictest wins, local peers are not remote', () => {
  const order = processNeeds(selectServices('order'))
  assert.deepEqual(order.remotePeers, ['product', 'cart'])
  assert.equal(order.redis, 'optional')
  assert.equal(order.broker, 'optional')
  const all = processNeeds(selectServices('all'))
  assert.deepEqual(all.remotePeers, [])
  assert.equal(all.redis, 'required', 'the cart and auth need Redis')
  assert.equal(all.broker, 'required', 'the notification service needs the broker')
  assert.equal(processNeeds(selectServices('cart')).broker, undefined, 'the cart never connects to the broker')
  assert.equal(processNeeds(selectServices('notification')).redis, undefined, 'the notification service never connects to Redis')
})
