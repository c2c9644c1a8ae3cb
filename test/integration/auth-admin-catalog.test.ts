import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { describe, test } from 'node:test'
import type { BuiltApp } from '../../src/app.js'
import { buildTestApp } from '../helpers/build-app.js'
import { clonePgDatabase } from '../helpers/databases.js'
import { AUTH_TEST_ENV, bearer, errorCode, loginUser, PASSWORD, registerUser, uniqueEmail } from '../helpers/auth-fixture.js'

const env = AUTH_TEST_ENV

async function adminToken(built: BuiltApp): Promise<string> {
  const account = await registerUser(built, uniqueEmail('admin'))
  await built.deps.db.query(`update auth.users set roles = array['customer', 'admin'] where id = $1`, [account.user.id])
  const session = await loginUser(built, account.user.email)
  assert.deepEqual(session.user.roles, ['customer', 'admin'])
  return session.accessToken
}

const lamp = { slug: 'brass-desk-lamp', name: 'Brass desk lamp', price: { amount: 4999, currency: 'USD' }, stock: 5 }

/** Every admin route with a valid body; ids that may not exist (the role check comes first). */
const adminRoutes: { method: 'POST' | 'PATCH' | 'PUT' | 'DELETE'; url: string; payload?: object }[] = [
  { method: 'POST', url: '/api/products', payload: lamp },
  { method: 'PATCH', url: '/api/products/1', payload: { name: 'Renamed' } },
  { method: 'DELETE', url: '/api/products/1' },
  { method: 'PUT', url: '/api/products/1/stock', payload: { stock: 3 } },
  { method: 'POST', url: '/api/categories', payload: { slug: 'lamps', name: 'Lamps' } },
  { method: 'PATCH', url: '/api/categories/1', payload: { name: 'Lights' } },
  { method: 'DELETE', url: '/api/categories/1' },
  {
    method: 'POST',
    url: '/api/deals',
    payload: { productId: 1, discountPercent: 10, startsAt: new Date().toISOString(), endsAt: new Date(Date.now() + 86_400_000).toISOString() },
  },
  { method: 'DELETE', url: '/api/deals/1' },
  { method: 'PUT', url: '/api/products/1/options', payload: { options: [{ name: 'Size', values: ['S', 'M'] }] } },
  { method: 'POST', url: '/api/products/1/variants', payload: { options: { Size: 'S' } } },
  { method: 'PATCH', url: '/api/products/1/variants/1', payload: { weightGrams: 100 } },
  { method: 'DELETE', url: '/api/products/1/variants/1' },
  { method: 'PUT', url: '/api/products/1/variants/1/stock', payload: { stock: 3 } },
]

for (const adapters of ['embedded', 'real'] as const) {
  describe(`admin catalog routes (${adapters})`, () => {
    test('without a token every admin route answers 401 AUTH_REQUIRED and a customer token 403 FORBIDDEN', async (t) => {
      const built = await buildTestApp(t, { adapters, env })
      const customer = await registerUser(built)
      for (const route of adminRoutes) {
        const anonymous = await built.app.inject(route)
        assert.equal(anonymous.statusCode, 401, `${route.method} ${route.url}: ${anonymous.body}`)
        assert.equal(errorCode(anonymous), 'AUTH_REQUIRED')
        const asCustomer = await built.app.inject({ ...route, headers: bearer(customer.accessToken) })
        assert.equal(asCustomer.statusCode, 403, `${route.method} ${route.url}: ${asCustomer.body}`)
        assert.equal(errorCode(asCustomer), 'FORBIDDEN')
      }
      const list = await built.app.inject({ method: 'GET', url: '/api/products' })
      assert.deepEqual(list.json().items, [])
    })

    test('an admin creates a product and the next GET /api/products shows it (cache invalidated)', async (t) => {
      const built = await buildTestApp(t, { adapters, env })
      const token = await adminToken(built)
      // Warm the cache and make sure the second read came from it.
      const before = await built.app.inject({ method: 'GET', url: '/api/products' })
      const cached = await built.app.inject({ method: 'GET', url: '/api/products' })
      assert.deepEqual(cached.json().items, [])
      assert.equal(cached.headers.etag, before.headers.etag)
      assert.match(await built.deps.metrics.registry.getSingleMetricAsString('cache_requests_total'), /cache="catalog:products",result="hit"[^\n]* [1-9]/)

      const created = await built.app.inject({ method: 'POST', url: '/api/products', headers: bearer(token), payload: lamp })
      assert.equal(created.statusCode, 201, created.body)
      const product = created.json<{ id: number; slug: string; price: { amount: number }; stock: number }>()
      assert.equal(product.slug, lamp.slug)
      assert.equal(product.price.amount, 4999)
      assert.equal(product.stock, 5)

      const after = await built.app.inject({ method: 'GET', url: '/api/products' })
      assert.deepEqual(
        after.json<{ items: { id: number }[] }>().items.map((p) => p.id),
        [product.id],
      )
      assert.notEqual(after.headers.etag, before.headers.etag)
    })

    test('an admin edits, restocks and deletes products and manages categories and deals', async (t) => {
      const built = await buildTestApp(t, { adapters, env })
      const auth = bearer(await adminToken(built))
      const call = (method: 'POST' | 'PATCH' | 'PUT' | 'DELETE', url: string, payload?: object) =>
        built.app.inject({ method, url, headers: auth, ...(payload ? { payload } : {}) })

      const category = await call('POST', '/api/categories', { slug: 'lamps', name: 'Lamps' })
      assert.equal(category.statusCode, 201, category.body)
      const categoryId = category.json<{ id: number }>().id
      const product = (await call('POST', '/api/products', { ...lamp, categoryId })).json<{ id: number }>()

      const patched = await call('PATCH', `/api/products/${product.id}`, { name: 'Brass lamp', price: { amount: 3999, currency: 'EUR' } })
      assert.equal(patched.statusCode, 200, patched.body)
      assert.deepEqual(patched.json().price, { amount: 3999, currency: 'EUR' })
      const stocked = await call('PUT', `/api/products/${product.id}/stock`, { stock: 42 })
      assert.equal(stocked.json().stock, 42)

      const deal = await call('POST', '/api/deals', {
        productId: product.id,
        title: 'Spring',
        discountPercent: 25,
        startsAt: new Date(Date.now() - 60_000).toISOString(),
        endsAt: new Date(Date.now() + 86_400_000).toISOString(),
      })
      assert.equal(deal.statusCode, 201, deal.body)
      const shown = await built.app.inject({ method: 'GET', url: `/api/products/${product.id}` })
      assert.deepEqual(shown.json().salePrice, { amount: 2999, currency: 'EUR' })
      assert.equal((await call('DELETE', `/api/deals/${deal.json<{ id: number }>().id}`)).statusCode, 204)
      const dealGone = await call('DELETE', `/api/deals/${deal.json<{ id: number }>().id}`)
      assert.equal(dealGone.statusCode, 404, dealGone.body)
      assert.equal(errorCode(dealGone), 'DEAL_NOT_FOUND')

      const busy = await call('DELETE', `/api/categories/${categoryId}`)
      assert.equal(busy.statusCode, 409)
      assert.equal(errorCode(busy), 'CATEGORY_IN_USE_OR_MISSING')
      assert.equal((await call('PATCH', `/api/categories/${categoryId}`, { name: 'Lighting' })).statusCode, 204)

      assert.equal((await call('DELETE', `/api/products/${product.id}`)).statusCode, 204)
      const gone = await built.app.inject({ method: 'GET', url: `/api/products/${product.id}` })
      assert.equal(gone.statusCode, 404)
      const empty = await call('POST', '/api/categories', { slug: 'empty', name: 'Empty', parentId: categoryId })
      assert.equal((await call('DELETE', `/api/categories/${empty.json<{ id: number }>().id}`)).statusCode, 204)
      // Unknown categories answer as unknown products do: a code that names the thing.
      for (const [method, payload] of [['DELETE', undefined], ['PATCH', { name: 'x' }]] as const) {
        const unknown = await call(method, `/api/categories/${empty.json<{ id: number }>().id}`, payload)
        assert.equal(unknown.statusCode, 404, unknown.body)
        assert.equal(errorCode(unknown), 'CATEGORY_NOT_FOUND')
      }
      const missing = await call('PATCH', `/api/products/${product.id}`, { name: 'x' })
      assert.equal(missing.statusCode, 404)
      assert.equal(errorCode(missing), 'PRODUCT_NOT_FOUND')
    })

    test('admin bodies are strict: no unknown field, no negative stock or price, slugs as slugs', async (t) => {
      const built = await buildTestApp(t, { adapters, env })
      const auth = bearer(await adminToken(built))
      const bad: [string, object][] = [
        ['/api/products', { ...lamp, popularity: 1000 }],
        ['/api/products', { ...lamp, price: { amount: -1, currency: 'USD' } }],
        ['/api/products', { ...lamp, price: { amount: 100, currency: 'usd' } }],
        ['/api/products', { ...lamp, stock: -3 }],
        ['/api/products', { ...lamp, slug: 'Not A Slug' }],
        ['/api/products', { name: 'no slug', price: lamp.price }],
        ['/api/categories', { slug: 'ok', name: 'Ok', id: 7 }],
      ]
      for (const [url, payload] of bad) {
        const res = await built.app.inject({ method: 'POST', url, headers: auth, payload })
        assert.equal(res.statusCode, 400, `${url} ${JSON.stringify(payload)}: ${res.body}`)
        assert.equal(errorCode(res), 'VALIDATION')
      }
      const empty = await built.app.inject({ method: 'PATCH', url: '/api/products/1', headers: auth, payload: {} })
      assert.equal(empty.statusCode, 400)
      const list = await built.app.inject({ method: 'GET', url: '/api/products' })
      assert.deepEqual(list.json().items, [])
    })
  })
}

describe('npm run admin:create', () => {
  test('creates the first administrator with the password from stdin, and promotes an existing account', async (t) => {
    const DATABASE_URL = await clonePgDatabase(t)
    // The npm script once; the same file straight through node for the other runs (npm adds seconds).
    const run = (email: string, stdin: string, viaNpm = false) =>
      new Promise<{ code: number | null; out: string }>((resolve, reject) => {
        const [cmd, args] = viaNpm
          ? ['npm', ['run', '--silent', 'admin:create', '--', '--email', email]]
          : [process.execPath, ['--import', 'tsx', 'scripts/admin-create.ts', '--email', email]]
        const child = spawn(cmd, args, {
          env: { ...process.env, DATABASE_URL, LOG_LEVEL: 'silent' },
          stdio: ['pipe', 'pipe', 'pipe'],
        })
        let out = ''
        child.stdout.on('data', (d) => (out += d))
        child.stderr.on('data', (d) => (out += d))
        child.on('error', reject)
        child.on('close', (code) => resolve({ code, out }))
        child.stdin.end(stdin)
      })
    const email = uniqueEmail('root')
    const weak = await run(email, 'short\n')
    assert.equal(weak.code, 1, weak.out)
    assert.match(weak.out, /at least 10 characters/)

    const created = await run(email, `${PASSWORD}\n`, true)
    assert.equal(created.code, 0, created.out)
    assert.match(created.out, /administrator .* created/)

    const built = await buildTestApp(t, { adapters: 'real', env: { ...env, DATABASE_URL } })
    const admin = await loginUser(built, email)
    assert.deepEqual(admin.user.roles, ['customer', 'admin'])
    assert.equal(admin.user.emailVerified, true)
    const product = await built.app.inject({ method: 'POST', url: '/api/products', headers: bearer(admin.accessToken), payload: lamp })
    assert.equal(product.statusCode, 201, product.body)

    const customer = await registerUser(built)
    const promoted = await run(customer.user.email, '')
    assert.equal(promoted.code, 0, promoted.out)
    assert.deepEqual((await loginUser(built, customer.user.email)).user.roles, ['customer', 'admin'])
  })
})
