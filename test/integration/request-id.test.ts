import assert from 'node:assert/strict'
import { test } from 'node:test'
import { buildTestApp, logCapture } from '../helpers/build-app.js'

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

test('regression: X-Request-Id was echoed and logged whatever it held; now only a short safe id is kept, anything else gets a new one', async (t) => {
  const logs = logCapture()
  const built = await buildTestApp(t, {
    services: 'product',
    env: { LOG_LEVEL: 'info' },
    logDestination: logs.destination,
    extend: (app) => {
      app.get('/boom', async () => {
        throw new Error('a bug')
      })
    },
  })
  const hostile = `<img src=x onerror=alert(1)>${'A'.repeat(3000)}`
  for (const given of [hostile, 'a'.repeat(65), 'with space', 'semi;colon', 'ünïcode', '']) {
    const res = await built.app.inject({ method: 'GET', url: '/boom', headers: { 'x-request-id': given } })
    assert.equal(res.statusCode, 500)
    const id = res.headers['x-request-id'] as string
    assert.match(id, UUID, `a new id instead of ${JSON.stringify(given.slice(0, 30))}`)
    assert.equal(res.json().error.message, `Internal error (request ${id})`)
  }
  assert.doesNotMatch(logs.lines(), /onerror|AAAAAAAAAA|with space/)

  // A short safe id (from nginx's $request_id or a client) is kept end to end: header, message, log.
  for (const given of ['9f1c2d3e4b5a69788796a5b4c3d2e1f0', 'client-42:retry.1', 'x'.repeat(64)]) {
    const res = await built.app.inject({ method: 'GET', url: '/boom', headers: { 'x-request-id': given } })
    assert.equal(res.headers['x-request-id'], given)
    assert.equal(res.json().error.message, `Internal error (request ${given})`)
    assert.match(logs.lines(), new RegExp(`"reqId":"${given.replace(/[.]/g, '\\.')}"`))
  }
})
