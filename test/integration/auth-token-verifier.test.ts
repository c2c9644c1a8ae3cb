import assert from 'node:assert/strict'
import http from 'node:http'
import net from 'node:net'
import { describe, test, type TestContext } from 'node:test'
import { pino } from 'pino'
import { createTokenVerifier } from '../../src/platform/auth/token-verifier.js'
import type { BuiltApp } from '../../src/app.js'
import { buildTestApp } from '../helpers/build-app.js'
import { AUTH_TEST_ENV, bearer, errorCode, registerUser } from '../helpers/auth-fixture.js'
import { tokenMinter } from '../helpers/token-minter.js'

/**
 * Production shape: a service runs without the auth service in its process and
 * verifies access tokens with public keys it got once (JWKS URL or setting).
 */

const env = AUTH_TEST_ENV
const newProduct = { slug: 'verifier-test-lamp', name: 'Lamp', price: { amount: 1999, currency: 'USD' } }

async function startAuth(t: TestContext) {
  const auth = await buildTestApp(t, { services: 'auth', env })
  await auth.app.listen({ host: '127.0.0.1', port: 0 })
  const { port } = auth.app.server.address() as net.AddressInfo
  return { auth, jwksUrl: `http://127.0.0.1:${port}/api/auth/.well-known/jwks.json` }
}

function createProduct(product: BuiltApp, token?: string) {
  return product.app.inject({ method: 'POST', url: '/api/products', payload: newProduct, ...(token ? { headers: bearer(token) } : {}) })
}

async function freePort(): Promise<number> {
  const server = net.createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as net.AddressInfo
  await new Promise((resolve) => server.close(resolve))
  return port
}

describe('token verification in a service without the auth service', () => {
  test('keys fetched from the JWKS URL verify tokens: customer 403, admin 201, forged 401', async (t) => {
    const { auth, jwksUrl } = await startAuth(t)
    const product = await buildTestApp(t, { services: 'product', env: { ...env, AUTH_JWKS_URL: jwksUrl } })
    const customer = await registerUser(auth)

    const asCustomer = await createProduct(product, customer.accessToken)
    assert.equal(asCustomer.statusCode, 403, asCustomer.body)
    assert.equal(errorCode(asCustomer), 'FORBIDDEN')

    await auth.deps.db.query(`update auth.users set roles = array['customer', 'admin'] where id = $1`, [customer.user.id])
    const admin = await auth.app.inject({ method: 'POST', url: '/api/auth/login', payload: { email: customer.user.email, password: 'correct horse battery staple' } })
    const asAdmin = await createProduct(product, admin.json<{ accessToken: string }>().accessToken)
    assert.equal(asAdmin.statusCode, 201, asAdmin.body)

    const [h, p] = customer.accessToken.split('.')
    const forged = await createProduct(product, `${h}.${p}.${'A'.repeat(86)}`)
    assert.equal(forged.statusCode, 401)
    assert.equal(errorCode(forged), 'INVALID_TOKEN')
  })

  test('keys given as the AUTH_JWKS setting verify tokens without any fetch', async (t) => {
    const { auth } = await startAuth(t)
    const jwks = (await auth.app.inject({ method: 'GET', url: '/api/auth/.well-known/jwks.json' })).body
    const product = await buildTestApp(t, { services: 'product', env: { ...env, AUTH_JWKS: jwks } })
    const customer = await registerUser(auth)
    const res = await createProduct(product, customer.accessToken)
    assert.equal(res.statusCode, 403)
    assert.equal(errorCode(res), 'FORBIDDEN')
  })

  test('an AUTH_JWKS setting without usable keys stops the start', async (t) => {
    await assert.rejects(buildTestApp(t, { services: 'product', env: { ...env, AUTH_JWKS: '{"keys":[]}' } }), /AUTH_JWKS must be a JSON Web Key Set/)
  })

  test('when the keys cannot be fetched, token-protected routes answer 503 AUTH_KEYS_UNAVAILABLE and public ones still work', async (t) => {
    const { auth } = await startAuth(t)
    const customer = await registerUser(auth)
    const product = await buildTestApp(t, {
      services: 'product',
      env: { ...env, AUTH_JWKS_URL: `http://127.0.0.1:${await freePort()}/api/auth/.well-known/jwks.json` },
    })
    const res = await createProduct(product, customer.accessToken)
    assert.equal(res.statusCode, 503)
    assert.equal(errorCode(res), 'AUTH_KEYS_UNAVAILABLE')
    assert.ok(res.headers['retry-after'])
    const list = await product.app.inject({ method: 'GET', url: '/api/products', headers: bearer(customer.accessToken) })
    assert.equal(list.statusCode, 200)
  })

  test('without any key source every token is refused, never trusted', async (t) => {
    const { auth } = await startAuth(t)
    const customer = await registerUser(auth)
    const product = await buildTestApp(t, { services: 'product', env })
    const res = await createProduct(product, customer.accessToken)
    assert.equal(res.statusCode, 401)
    assert.equal(errorCode(res), 'INVALID_TOKEN')
  })
})

describe('token verification keys fetched over HTTP', () => {
  /** A JWKS endpoint that can be made to fail, like a busy or restarting auth service. */
  async function keysServer(t: TestContext, jwks: unknown) {
    let failing = false
    let fetches = 0
    const server = http.createServer((_req, res) => {
      fetches++
      if (failing) return res.writeHead(503).end()
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(jwks))
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    t.after(() => new Promise<void>((resolve) => server.close(() => resolve())))
    const { port } = server.address() as net.AddressInfo
    return { url: `http://127.0.0.1:${port}/jwks.json`, fail: () => (failing = true), fetches: () => fetches }
  }

  test('regression: a refresh that fails (auth busy) answered 503 AUTH_KEYS_UNAVAILABLE; the keys of the last fetch keep verifying', async (t) => {
    const minter = await tokenMinter()
    const keys = await keysServer(t, minter.jwks)
    // Keys that are stale at once: every verification asks for them again.
    const verifier = createTokenVerifier({ AUTH_JWKS_URL: keys.url }, pino({ level: 'silent' }), { keysMaxAgeMs: 0 })
    await verifier.warmUp()
    assert.equal(keys.fetches(), 1, 'fetched at start-up')
    const first = await minter.customer()
    assert.equal((await verifier.verify(first.headers.authorization.slice(7))).userId, first.userId)
    keys.fail()
    const second = await minter.customer()
    assert.equal((await verifier.verify(second.headers.authorization.slice(7))).userId, second.userId)
    assert.ok(keys.fetches() >= 3, 'it did try to refresh')
  })

  test('without any successful fetch there is nothing to fall back on: 503 AUTH_KEYS_UNAVAILABLE', async (t) => {
    const minter = await tokenMinter()
    const keys = await keysServer(t, minter.jwks)
    keys.fail()
    const verifier = createTokenVerifier({ AUTH_JWKS_URL: keys.url }, pino({ level: 'silent' }))
    await verifier.warmUp()
    const buyer = await minter.customer()
    await assert.rejects(verifier.verify(buyer.headers.authorization.slice(7)), { code: 'AUTH_KEYS_UNAVAILABLE' })
  })
})
