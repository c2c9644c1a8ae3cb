import { hostname } from 'node:os'
import { Type } from '@sinclair/typebox'
import { registerIdentity, requireAdmin } from '../../platform/auth/identity.js'
import type { TokenVerifier } from '../../platform/auth/token-verifier.js'
import type { App } from '../../platform/server.js'
import { NS, type ProductDeps } from './product.js'
import * as S from './schemas.js'
import { listLowStock } from './stock-store.js'

/**
 * The admin dashboard's catalog figures: products running out, and how well
 * the catalog cache serves (all instances together). Two segments under /products, so no product slug
 * is shadowed (a product's own route is /products/:idOrSlug).
 */

const LowStockQuery = Type.Object(
  {
    threshold: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000_000, description: 'At most this many units; default LOW_STOCK_THRESHOLD (5).' })),
    limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
  },
  { additionalProperties: false },
)
const LowStock = Type.Object({
  threshold: Type.Integer(),
  items: Type.Array(Type.Object({ id: Type.Integer(), slug: Type.String(), name: Type.String(), stock: Type.Integer() }), { description: 'Fewest units first.' }),
})

const Lookups = Type.Object({ hits: Type.Integer(), misses: Type.Integer(), bypassed: Type.Integer({ description: 'TTL 0, breaker open, or an invalidation pending.' }), errors: Type.Integer() })
const CacheStats = Type.Object({
  scope: Type.Union([Type.Literal('shop'), Type.Literal('instance')], {
    description:
      "'shop': the lookups of every product instance, added up in the shared cache (each instance adds its own at most 10 s after they happen, and the answering one just before it answers), since the first were added. 'instance': the shared figures could not be read; the answering instance's, since it started.",
  }),
  instance: Type.String({ description: 'host:pid of the answering instance.' }),
  since: Type.String({ format: 'date-time', description: 'When the figures started.' }),
  hitRate: Type.Union([Type.Number({ minimum: 0, maximum: 1 }), Type.Null()], { description: 'hits / (hits + misses) over the catalog caches; null before any lookup.' }),
  caches: Type.Array(Type.Object({ cache: Type.String(), ...Lookups.properties })),
})

const errors = { 400: S.ErrorResponse, 401: S.ErrorResponse, 403: S.ErrorResponse, 429: S.ErrorResponse }
const doc = (summary: string) => ({ tags: ['catalog admin'], summary, security: [{ bearer: [] }] })

export async function productStatsRoutes(app: App, { deps, tokens, lowStockThreshold }: { deps: ProductDeps; tokens: TokenVerifier; lowStockThreshold: number }) {
  registerIdentity(app, tokens)
  const instance = `${hostname()}:${process.pid}`

  app.get(
    '/products/stats/low-stock',
    { preValidation: requireAdmin, schema: { ...doc('Admin: products at or below a stock threshold, fewest units first'), querystring: LowStockQuery, response: { 200: LowStock, ...errors } } },
    async (req, reply) => {
      const threshold = req.query.threshold ?? lowStockThreshold
      reply.header('cache-control', 'no-store')
      return { threshold, items: await listLowStock(deps.readDb, threshold, req.query.limit) }
    },
  )

  app.get(
    '/products/stats/cache',
    { preValidation: requireAdmin, schema: { ...doc("Admin: the catalog cache's hits and misses, every product instance's added up"), response: { 200: CacheStats, ...errors } } },
    async (_req, reply) => {
      const stats = await deps.cache.stats()
      const caches = Object.values(NS).map((cache) => {
        const t = stats.namespaces[cache] ?? { hit: 0, miss: 0, bypass: 0, error: 0 }
        return { cache, hits: t.hit, misses: t.miss, bypassed: t.bypass, errors: t.error }
      })
      const hits = caches.reduce((n, c) => n + c.hits, 0)
      const lookups = hits + caches.reduce((n, c) => n + c.misses, 0)
      reply.header('cache-control', 'no-store')
      return { scope: stats.scope, instance, since: stats.since, hitRate: lookups === 0 ? null : hits / lookups, caches }
    },
  )
}
