/**
 * The shop as `npm start` runs it, plus one baseline route for `npm run bench`:
 * GET /bench/baseline answers the same bytes and headers as
 * GET /api/products?limit=20, straight from memory. The ratio between the two
 * is what the catalog (validation, rate limit, cache lookup) costs per request.
 */
import { buildApp } from '../src/app.js'
import { serve } from '../src/platform/serve.js'

const built = await buildApp({
  services: 'all',
  extend: (app) => {
    let copy: { body: string; headers: Record<string, string> } | undefined
    app.get('/bench/baseline', { schema: { hide: true } }, async (_req, reply) => {
      if (!copy) {
        const res = await app.inject({ method: 'GET', url: '/api/products?limit=20' })
        copy = {
          body: res.body,
          headers: {
            etag: String(res.headers.etag),
            'cache-control': String(res.headers['cache-control']),
            vary: 'accept-encoding',
            'content-type': String(res.headers['content-type']),
          },
        }
      }
      return reply.headers(copy.headers).send(copy.body)
    })
  },
})
await serve(built.app, built.lifecycle, {
  host: built.config.HOST,
  port: built.config.PORT,
  shutdownTimeoutMs: built.config.SHUTDOWN_TIMEOUT_MS,
  closeDeps: () => built.deps.close(),
})
