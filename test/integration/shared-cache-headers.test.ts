import assert from 'node:assert/strict'
import { test } from 'node:test'
import { buildTestApp } from '../helpers/build-app.js'
import { seedProductFixture } from '../helpers/product-fixture.js'

/**
 * Catalog answers are stored by shared caches (nginx's micro-cache, a CDN): what
 * they carry must be right for every client that gets the stored copy.
 */
const ORIGIN = 'http://localhost:8080'
const varyOf = (h: unknown) => String(h ?? '').split(',').map((f) => f.trim().toLowerCase())

test('regression: a cacheable catalog answer said Vary: accept-encoding only; it varies on Origin too, and carries no per-client header', async (t) => {
  const built = await buildTestApp(t, { services: 'all', env: { BACKGROUND_WORKERS: 'false', PRODUCT_RATE_LIMIT_MAX: '3' } })
  await seedProductFixture(built.deps.db)
  for (const headers of [{ origin: ORIGIN }, {}, { origin: 'https://evil.example' }]) {
    for (const url of ['/api/products?limit=5', '/api/categories', '/api/deals']) {
      const res = await built.app.inject({ method: 'GET', url, headers, remoteAddress: `10.0.0.${url.length}` })
      assert.equal(res.statusCode, 200, res.body)
      assert.match(String(res.headers['cache-control']), /public/)
      const vary = varyOf(res.headers.vary)
      assert.ok(vary.includes('origin') && vary.includes('accept-encoding'), `${url}: Vary ${res.headers.vary}`)
      assert.equal(res.headers['access-control-allow-origin'], 'origin' in headers && headers.origin === ORIGIN ? ORIGIN : undefined)
      for (const h of ['x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset', 'x-request-id']) {
        assert.equal(res.headers[h], undefined, `${url}: ${h} in a shared answer`)
      }
      const again = await built.app.inject({ method: 'GET', url, headers: { ...headers, 'if-none-match': String(res.headers.etag) }, remoteAddress: `10.0.1.${url.length}` })
      assert.equal(again.statusCode, 304)
      assert.ok(varyOf(again.headers.vary).includes('origin'))
      assert.equal(again.headers['x-ratelimit-remaining'], undefined)
    }
  }
  // Over the limit: the 429 is not cacheable and keeps its counters, Retry-After and request id.
  let limited
  for (let i = 0; i < 5; i++) limited = await built.app.inject({ method: 'GET', url: '/api/categories', remoteAddress: '10.9.9.9' })
  assert.equal(limited!.statusCode, 429)
  assert.equal(limited!.headers['x-ratelimit-remaining'], '0')
  assert.ok(limited!.headers['retry-after'])
  assert.ok(limited!.headers['x-request-id'])
  // Answers for one client (the cart) keep them: no shared cache stores those.
  const cart = await built.app.inject({ method: 'GET', url: '/api/cart', headers: { origin: ORIGIN } })
  assert.equal(cart.headers['cache-control'], 'no-store')
  assert.ok(cart.headers['x-ratelimit-remaining'])
  assert.ok(cart.headers['x-request-id'])
  assert.ok(varyOf(cart.headers.vary).includes('origin'))
})
