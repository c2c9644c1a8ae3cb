import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import Fastify, { type FastifyInstance } from 'fastify'
import { pino } from 'pino'
import { RESERVATION_REFUSALS } from '../../src/contracts/product.js'
import { AppError, errorBody } from '../../src/platform/errors.js'
import { INTERNAL_TOKEN_HEADER, internalOnly } from '../../src/platform/internal.js'
import { createHttpClient, createInjectClient, type ServiceClient } from '../../src/platform/service-client.js'
import * as productErrors from '../../src/services/product/errors.js'
import { freePort } from '../helpers/ports.js'

/**
 * What a caller sees of a peer's answer (both clients: over HTTP, and in
 * process): only the refusals the call's contract declares pass through;
 * anything else is 503 DEPENDENCY_UNAVAILABLE with Retry-After, and the
 * details (status, code, message, route) are in the log only.
 */
describe('service client: contract refusals pass, every other failure is a logged 503', () => {
  const TOKEN = 't'.repeat(40)
  let peer: FastifyInstance
  let base: string
  const logged: Record<string, unknown>[] = []
  const log = pino({ level: 'error' }, { write: (line: string) => void logged.push(JSON.parse(line)) })

  before(async () => {
    peer = Fastify()
    peer.setErrorHandler((err, _req, reply) => {
      const e = err as AppError
      void reply.code(e.status ?? 500).send(errorBody(e.code ?? 'INTERNAL', e.message))
    })
    peer.setNotFoundHandler((req, reply) => void reply.code(404).send(errorBody('ROUTE_NOT_FOUND', `No route for ${req.method} ${req.url}`)))
    peer.get('/internal/out-of-stock', async () => {
      throw productErrors.outOfStock()
    })
    peer.get('/internal/guarded', { preValidation: internalOnly(TOKEN) }, async () => ({ ok: true }))
    peer.get('/internal/bug', async () => {
      throw new AppError('INTERNAL', 'TypeError: x is undefined at /srv/internal/stock.ts:12', 500)
    })
    peer.get('/internal/validation', async (_req, reply) => reply.code(400).send(errorBody('VALIDATION', 'body/lines/0/productId must be integer')))
    peer.get('/internal/html', async (_req, reply) => reply.type('text/html').send('<html>bad gateway</html>'))
    await peer.listen({ port: 0, host: '127.0.0.1' })
    base = `http://127.0.0.1:${(peer.server.address() as { port: number }).port}`
  })
  after(() => peer.close())

  const clients = (token: string): [string, ServiceClient][] => [
    ['http', createHttpClient('product', base, token, log)],
    ['inject', createInjectClient('product', peer, token, log)],
  ]

  test("the contract's refusal passes through as the peer sent it", async () => {
    for (const [kind, client] of clients(TOKEN)) {
      await assert.rejects(client.request('GET', '/internal/out-of-stock', { refusals: RESERVATION_REFUSALS }), (err: AppError) => {
        assert.equal(err.code, 'OUT_OF_STOCK', kind)
        assert.equal(err.status, 409, kind)
        return true
      })
    }
  })

  test('a refusal the call does not declare, an unknown route, a bad token, a bug, non-JSON: 503 with Retry-After, nothing of the peer in the message', async () => {
    const cases: [string, string][] = [
      [TOKEN, '/internal/out-of-stock'],
      [TOKEN, '/internal/nowhere'],
      ['wrong-token', '/internal/guarded'],
      [TOKEN, '/internal/bug'],
      [TOKEN, '/internal/validation'],
      [TOKEN, '/internal/html'],
    ]
    for (const [token, path] of cases) {
      for (const [kind, client] of clients(token)) {
        logged.length = 0
        await assert.rejects(client.request('GET', path, { refusals: path === '/internal/out-of-stock' ? [] : RESERVATION_REFUSALS }), (err: AppError) => {
          assert.equal(err.code, 'DEPENDENCY_UNAVAILABLE', `${kind} ${path}`)
          assert.equal(err.status, 503)
          assert.equal(err.headers['retry-after'], '2')
          assert.equal(err.message, 'The product service is not available; try again shortly')
          return true
        })
        assert.equal(logged.length, 1, `${kind} ${path}: logged once`)
        assert.equal(logged[0]!.path, path, 'the log says which call failed')
      }
    }
  })

  test('a peer that does not answer: 503, logged with the cause', async () => {
    logged.length = 0
    const client = createHttpClient('cart', `http://127.0.0.1:${await freePort()}`, TOKEN, log)
    await assert.rejects(client.request('GET', '/internal/carts/u1'), { code: 'DEPENDENCY_UNAVAILABLE', status: 503 })
    assert.match(String(logged[0]!.cause), /ECONNREFUSED/)
  })

  test('every refusal a contract declares is a 4xx its owner declares', () => {
    const declared = new Map(Object.values(productErrors).map((e) => [e.code, e.status]))
    for (const code of RESERVATION_REFUSALS) {
      const status = declared.get(code)
      assert.ok(status && status >= 400 && status < 500, `${code}: ${status}`)
    }
  })

  test('the guard: a wrong or missing token is 403 INTERNAL_TOKEN_REJECTED, the right one passes', async () => {
    const wrong = await fetch(`${base}/internal/guarded`, { headers: { [INTERNAL_TOKEN_HEADER]: 'nope' } })
    assert.equal(wrong.status, 403)
    assert.equal(((await wrong.json()) as { error: { code: string } }).error.code, 'INTERNAL_TOKEN_REJECTED')
    assert.equal((await fetch(`${base}/internal/guarded`)).status, 403)
    assert.equal((await fetch(`${base}/internal/guarded`, { headers: { [INTERNAL_TOKEN_HEADER]: TOKEN } })).status, 200)
  })
})
