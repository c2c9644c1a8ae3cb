import assert from 'node:assert/strict'
import { test } from 'node:test'
import { platformServer } from '../helpers/platform-server.js'

const EXPECTED = {
  'content-security-policy':
    "default-src 'self';base-uri 'self';font-src 'self' https: data:;form-action 'self';frame-ancestors 'none';img-src 'self' data:;object-src 'none';script-src 'self';script-src-attr 'none';style-src 'self' 'unsafe-inline';upgrade-insecure-requests;connect-src 'self'",
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-site',
  'origin-agent-cluster': '?1',
  'referrer-policy': 'no-referrer',
  'strict-transport-security': 'max-age=31536000; includeSubDomains',
  'x-content-type-options': 'nosniff',
  'x-dns-prefetch-control': 'off',
  'x-download-options': 'noopen',
  'x-frame-options': 'SAMEORIGIN',
  'x-permitted-cross-domain-policies': 'none',
  'x-xss-protection': '0',
}

test('every answer carries the security headers, errors too; the docs page keeps its own CSP', async (t) => {
  const app = await platformServer(t)
  app.get('/boom', async () => {
    throw new Error('a bug')
  })
  for (const [url, status] of [['/health/live', 200], ['/no-such-route', 404], ['/boom', 500], ['/health/live', 200]] as const) {
    const res = await app.inject({ method: 'GET', url })
    assert.equal(res.statusCode, status)
    for (const [name, value] of Object.entries(EXPECTED)) assert.equal(res.headers[name], value, `${url}: ${name}`)
  }
  const docs = await app.inject({ method: 'GET', url: '/docs/' })
  assert.equal(docs.statusCode, 200)
  assert.match(String(docs.headers['content-security-policy']), /validator\.swagger\.io/)
  assert.equal(docs.headers['strict-transport-security'], EXPECTED['strict-transport-security'])
})
