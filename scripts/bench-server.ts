/**
 * The shop as `npm start` (BENCH_SERVICES=all) or one production process
 * (BENCH_SERVICES=product) runs it, with its settings as shipped, plus one
 * baseline route for `npm run bench`: GET /bench/baseline answers the same bytes
 * and caching headers as GET /api/products?limit=20, straight from memory. The
 * ratio between the two is what the catalog (validation, rate limit, cache
 * lookup) costs per request. Reports its port over IPC ({ port }).
 *
 * BENCH_REQUEST_LOG=before adds back the two lines per request (incoming,
 * completed) that Fastify's request logging wrote before it was turned off, to
 * measure what they cost in the same run.
 */
import { buildApp } from '../src/app.js'
import { serve } from '../src/platform/serve.js'

const built = await buildApp({
  services: process.env.BENCH_SERVICES ?? 'all',
  extend: (app) => {
    if (process.env.BENCH_REQUEST_LOG === 'before') {
      // Fastify's own: 'incoming request' on arrival, 'request completed' with the time.
      app.addHook('onRequest', async (req) => req.log.info({ req }, 'incoming request'))
      app.addHook('onResponse', async (req, reply) => reply.log.info({ res: reply, responseTime: reply.elapsedTime }, 'request completed'))
    }
    let copy: { body: Buffer; headers: Record<string, string> } | undefined
    app.get('/bench/baseline', { schema: { hide: true }, config: { rateLimit: false } }, async (_req, reply) => {
      if (!copy) {
        const res = await app.inject({ method: 'GET', url: '/api/products?limit=20' })
        copy = {
          // Bytes, as the catalog sends a cached answer (http-cache.ts).
          body: res.rawPayload,
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
  beforeClose: () => built.stopWorkers(),
  closeDeps: () => built.deps.close(),
})
const address = built.app.server.address()
process.send?.({ port: typeof address === 'object' && address ? address.port : built.config.PORT })
