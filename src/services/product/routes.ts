import type { App } from '../../platform/server.js'
import { sendCached } from '../../platform/http-cache.js'
import * as products from './product.js'
import type { ProductDeps } from './product.js'
import type { ListFilter } from './cursors.js'
import * as S from './schemas.js'

const errors = { 400: S.ErrorResponse, 404: S.ErrorResponse, 429: S.ErrorResponse }

/** Public catalog routes: thin handlers over product.ts, answers cached and validated by ETag. */
export function registerProductRoutes(app: App, deps: ProductDeps, edgeMaxAge: number) {
  app.get(
    '/products',
    {
      schema: {
        tags: ['catalog'],
        summary: 'Search and list products (cursor pages)',
        querystring: S.ListProductsQuery,
        response: { 200: S.ProductPage, ...errors },
      },
    },
    async (req, reply) => {
      const { q, category, minPrice, maxPrice, sort, limit, cursor } = req.query
      const filter: ListFilter = {
        ...(q !== undefined ? { q } : {}),
        ...(category !== undefined ? { category } : {}),
        ...(minPrice !== undefined ? { minPrice } : {}),
        ...(maxPrice !== undefined ? { maxPrice } : {}),
      }
      return sendCached(req, reply, await products.listProducts(deps, filter, sort, limit, cursor), edgeMaxAge)
    },
  )

  app.get(
    '/products/suggestions',
    {
      schema: {
        tags: ['catalog'],
        summary: 'Product names and slugs for a search box, while the customer types',
        querystring: S.SuggestionsQuery,
        response: { 200: S.Suggestions, ...errors },
      },
    },
    async (req, reply) => sendCached(req, reply, await products.suggestProducts(deps, req.query.q, req.query.limit), edgeMaxAge),
  )

  app.get(
    '/products/:idOrSlug',
    {
      schema: {
        tags: ['catalog'],
        summary: 'One product by id or slug',
        params: S.ProductParams,
        response: { 200: S.Product, ...errors },
      },
    },
    async (req, reply) => sendCached(req, reply, await products.getProduct(deps, req.params.idOrSlug), edgeMaxAge),
  )

  app.get(
    '/categories',
    { schema: { tags: ['catalog'], summary: 'The category tree with product counts', response: { 200: S.CategoryList } } },
    async (req, reply) => sendCached(req, reply, await products.getCategories(deps), edgeMaxAge),
  )

  app.get(
    '/deals',
    {
      schema: {
        tags: ['catalog'],
        summary: 'Products with an active deal, biggest discount first',
        querystring: S.DealsQuery,
        response: { 200: S.DealPage, ...errors },
      },
    },
    async (req, reply) => sendCached(req, reply, await products.listDeals(deps, req.query.limit, req.query.cursor), edgeMaxAge),
  )

  app.get(
    '/recommendations',
    {
      schema: {
        tags: ['catalog'],
        summary: 'Products to show next to a product, or best sellers without one',
        querystring: S.RecommendationsQuery,
        response: { 200: S.Recommendations, ...errors },
      },
    },
    async (req, reply) =>
      sendCached(req, reply, await products.getRecommendations(deps, req.query.productId, req.query.limit), edgeMaxAge),
  )
}
