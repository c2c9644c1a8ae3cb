import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Type } from '@sinclair/typebox'
import { ConfigError, loadConfig, parseOrigins } from '../../src/platform/config.js'
import { productConfig } from '../../src/services/product/config.js'

test('defaults: product 1000 requests per 15 minutes, pool 50/10, cache TTLs from 5 minutes to 1 hour', () => {
  const c = loadConfig(productConfig, {})
  assert.equal(c.PORT, 8080)
  assert.equal(c.PRODUCT_RATE_LIMIT_MAX, 1000)
  assert.equal(c.PRODUCT_RATE_LIMIT_WINDOW_MS, 900_000)
  assert.equal(c.PRODUCT_DB_POOL_MAX, 50)
  assert.equal(c.PRODUCT_DB_POOL_MIN, 10)
  assert.equal(c.CACHE_TTL_PRODUCTS_SECONDS, 300)
  assert.equal(c.CACHE_TTL_DEALS_SECONDS, 600)
  assert.equal(c.CACHE_TTL_RECOMMENDATIONS_SECONDS, 600)
  assert.equal(c.CACHE_TTL_CATEGORIES_SECONDS, 3600)
  assert.equal(c.DATABASE_URL, undefined)
  assert.equal(c.REDIS_URL, undefined)
})

test('values come from the environment, typed', () => {
  const c = loadConfig(productConfig, { PORT: '18080', LOG_PRETTY: 'true', REDIS_URL: 'redis://127.0.0.1:6379' })
  assert.equal(c.PORT, 18080)
  assert.equal(c.LOG_PRETTY, true)
  assert.equal(c.REDIS_URL, 'redis://127.0.0.1:6379')
})

test('every bad value is named in one error', () => {
  assert.throws(
    () => loadConfig(productConfig, { PORT: 'eighty', DATABASE_URL: 'mysql://x', CACHE_TTL_PRODUCTS_SECONDS: '-1' }),
    (err: unknown) => {
      assert.ok(err instanceof ConfigError)
      assert.match(err.message, /PORT/)
      assert.match(err.message, /DATABASE_URL/)
      assert.match(err.message, /CACHE_TTL_PRODUCTS_SECONDS/)
      assert.ok(!err.message.includes('\n'), 'one line')
      return true
    },
  )
})

test('a setting that was renamed stops the start and names its new name, with the other problems', () => {
  assert.throws(
    () => loadConfig(productConfig, { CACHE_TTL_PRODUCTS: '300', PORT: 'eighty' }),
    (err: unknown) => {
      assert.ok(err instanceof ConfigError)
      assert.match(err.message, /CACHE_TTL_PRODUCTS is now CACHE_TTL_PRODUCTS_SECONDS/)
      assert.match(err.message, /PORT/)
      return true
    },
  )
  assert.throws(() => loadConfig(productConfig, { CART_TTL_DAYS: '30' }), /CART_TTL_DAYS is now CART_TTL_SECONDS/)
  assert.throws(() => loadConfig(productConfig, { EVENTS_WORKERS: 'false' }), /EVENTS_WORKERS is now BACKGROUND_WORKERS/)
  assert.throws(
    () => loadConfig(productConfig, { NOTIFICATION_RESET_URL: 'http://localhost:8080/account/reset-password?token={token}' }),
    /NOTIFICATION_RESET_URL is now PUBLIC_URL plus NOTIFICATION_RESET_PATH/,
  )
})

test('a missing required value is named', () => {
  assert.throws(() => loadConfig(Type.Object({ NEEDED: Type.String() }), {}), /NEEDED is required/)
})

test('empty strings count as unset', () => {
  assert.equal(loadConfig(productConfig, { REDIS_URL: '' }).REDIS_URL, undefined)
})

test('the CORS whitelist is a list of exact origins', () => {
  assert.deepEqual(parseOrigins(' https://shop.example , http://localhost:8080,,'), ['https://shop.example', 'http://localhost:8080'])
})
