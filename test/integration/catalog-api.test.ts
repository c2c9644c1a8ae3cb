import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { buildTestApp } from '../helpers/build-app.js'

for (const adapters of ['embedded', 'real'] as const) {
  describe(`catalog API (${adapters})`, () => {
    test('an empty catalog lists no products', async (t) => {
      const { app } = await buildTestApp(t, { adapters })
      const res = await app.inject({ method: 'GET', url: '/api/products' })
      assert.equal(res.statusCode, 200)
      assert.deepEqual(res.json(), { items: [], nextCursor: null })
    })
  })
}
