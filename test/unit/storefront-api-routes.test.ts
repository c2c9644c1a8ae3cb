import assert from 'node:assert/strict'
import { readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { test } from 'node:test'
import { ownerOf, serviceBases } from '../../src/storefront/api-routes.js'
import { storefrontProductionProblems } from '../../src/storefront/config.js'

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sources(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : []))
}

test('every API path the storefront calls has a service that answers it when the storefront runs apart', () => {
  const paths = sources('src/storefront').flatMap((file) => [...readFileSync(file, 'utf8').matchAll(/path: ['`](\/api\/[^'`$?]*)/g)].map((m) => m[1]!))
  assert.ok(paths.length > 20, `found the calls (${paths.length})`)
  for (const p of paths) assert.ok(ownerOf(p), `${p} has no owner in api-routes.ts`)
  const base = serviceBases({ product: 'http://p', cart: 'http://c', order: 'http://o', auth: 'http://a' })
  assert.equal(base('/api/products/suggestions'), 'http://p')
  assert.equal(base('/api/recommendations'), 'http://p')
  assert.equal(base('/api/cart/items/3'), 'http://c')
  assert.equal(base('/api/orders/stats'), 'http://o')
  assert.equal(base('/api/auth/.well-known/jwks.json'), 'http://a')
  assert.throws(() => base('/internal/catalog/products'), /no service serves/)
  assert.equal(ownerOf('/api/productsx'), undefined, 'whole path segments only')
})

test('a storefront running apart under the production profile needs its cookie secret and the services it calls', () => {
  assert.deepEqual(
    storefrontProductionProblems({}).map((p) => p.split(' ')[0]),
    ['STOREFRONT_COOKIE_SECRET', 'PRODUCT_SERVICE_URL', 'CART_SERVICE_URL', 'ORDER_SERVICE_URL', 'AUTH_SERVICE_URL'],
  )
  assert.deepEqual(storefrontProductionProblems({ STOREFRONT_API_URL: 'http://127.0.0.1:8080' }).map((p) => p.split(' ')[0]), ['STOREFRONT_COOKIE_SECRET'])
  const all = { STOREFRONT_COOKIE_SECRET: 'x'.repeat(32), PRODUCT_SERVICE_URL: 'http://p', CART_SERVICE_URL: 'http://c', ORDER_SERVICE_URL: 'http://o', AUTH_SERVICE_URL: 'http://a' }
  assert.deepEqual(storefrontProductionProblems(all), [])
})
