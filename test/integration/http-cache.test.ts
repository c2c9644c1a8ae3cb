import assert from 'node:assert/strict'
import { gunzipSync } from 'node:zlib'
import { test } from 'node:test'
import { toCachedBody } from '../../src/platform/cache/read-through.js'
import { sendCached } from '../../src/platform/http-cache.js'
import { platformServer } from '../helpers/platform-server.js'

test('a cached answer is sent gzipped to clients that take gzip, the same bytes every time, and as is to the others', async (t) => {
  const app = await platformServer(t)
  const big = toCachedBody({ items: Array.from({ length: 50 }, (_, i) => ({ id: i, name: `Product ${i} — ünïcode` })) })
  const small = toCachedBody({ items: [] })
  app.get('/big', (req, reply) => sendCached(req, reply, big, 2))
  app.get('/small', (req, reply) => sendCached(req, reply, small, 2))
  const get = (url: string, headers: Record<string, string> = {}) => app.inject({ method: 'GET', url, headers })

  const first = await get('/big', { 'accept-encoding': 'gzip, deflate, br' })
  assert.equal(first.headers['content-encoding'], 'gzip')
  assert.equal(first.headers.vary, 'Origin, accept-encoding')
  assert.equal(first.headers.etag, big.etag)
  assert.equal(gunzipSync(first.rawPayload).toString('utf8'), big.body)
  assert.equal(Number(first.headers['content-length']), first.rawPayload.length)
  const second = await get('/big', { 'accept-encoding': 'gzip' })
  assert.deepEqual(second.rawPayload, first.rawPayload)

  const others: Record<string, string>[] = [{}, { 'accept-encoding': 'gzip;q=0, identity' }, { 'accept-encoding': 'gzip', 'x-no-compression': '1' }]
  for (const headers of others) {
    const plain = await get('/big', headers)
    assert.equal(plain.headers['content-encoding'], undefined, JSON.stringify(headers))
    assert.equal(plain.body, big.body)
  }
  // Below the compression threshold nothing is compressed, as before.
  const tiny = await get('/small', { 'accept-encoding': 'gzip' })
  assert.equal(tiny.headers['content-encoding'], undefined)
  assert.equal(tiny.body, small.body)
  // A client holding the answer still gets 304 without a body.
  assert.equal((await get('/big', { 'accept-encoding': 'gzip', 'if-none-match': big.etag })).statusCode, 304)
})
