import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { buildTestApp, METRICS_AUTH, TEST_METRICS_TOKEN } from '../helpers/build-app.js'

/** /metrics and /docs are for operators and developers, not the public (ARCHITECTURE: operator endpoints are not public). */
describe('operator endpoints', () => {
  test('regression: /metrics answered anyone; now only the bearer of METRICS_TOKEN, and without the setting it does not exist', async (t) => {
    const built = await buildTestApp(t, { services: 'product' })
    const scraped = await built.app.inject({ method: 'GET', url: '/metrics', headers: METRICS_AUTH })
    assert.equal(scraped.statusCode, 200)
    assert.match(scraped.body, /http_request_duration_seconds/)
    assert.equal(scraped.headers['cache-control'], 'no-store')
    for (const headers of [{}, { authorization: 'Bearer wrong' }, { authorization: `Bearer ${TEST_METRICS_TOKEN}x` }, { authorization: TEST_METRICS_TOKEN }, { 'x-forwarded-for': '127.0.0.1' }]) {
      const res = await built.app.inject({ method: 'GET', url: '/metrics', headers })
      assert.equal(res.statusCode, 404, JSON.stringify(headers))
      assert.equal(res.json().error.code, 'ROUTE_NOT_FOUND')
      assert.doesNotMatch(res.body, /http_request/)
    }
    const without = await buildTestApp(t, { services: 'product', env: { METRICS_TOKEN: '' } })
    assert.equal((await without.app.inject({ method: 'GET', url: '/metrics', headers: METRICS_AUTH })).statusCode, 404)
  })

  test('a METRICS_TOKEN shorter than 32 characters stops the start', async (t) => {
    await assert.rejects(buildTestApp(t, { services: 'product', env: { METRICS_TOKEN: 'short' } }), /METRICS_TOKEN/)
  })

  test('/docs and /docs/json are served by default and switched off by API_DOCS=false (the home page then links no docs)', async (t) => {
    const on = await buildTestApp(t, { services: 'all', env: { BACKGROUND_WORKERS: 'false' } })
    assert.equal((await on.app.inject({ method: 'GET', url: '/docs/json' })).statusCode, 200)
    assert.ok([200, 302].includes((await on.app.inject({ method: 'GET', url: '/docs' })).statusCode))
    assert.match((await on.app.inject({ method: 'GET', url: '/' })).body, /href="\/docs"/)
    const off = await buildTestApp(t, { services: 'all', env: { BACKGROUND_WORKERS: 'false', API_DOCS: 'false' } })
    for (const url of ['/docs', '/docs/json', '/docs/static/index.html']) {
      assert.equal((await off.app.inject({ method: 'GET', url })).statusCode, 404, url)
    }
    assert.doesNotMatch((await off.app.inject({ method: 'GET', url: '/' })).body, /\/docs/)
    // The document is still built, for the tools that read it.
    assert.ok((off.app.swagger() as { paths: Record<string, unknown> }).paths['/api/orders'])
  })
})
