import type { FastifyInstance } from 'fastify'
import { ApiError } from '../api-client.js'
import type { Category, Page, Product, Recommendations, Suggestions } from '../api-types.js'
import { apiFor, queryText, sendPage, type Shop } from '../context.js'
import { parsePrice } from '../format.js'
import { homePage } from '../views/home.js'
import { listingPage, type Listing } from '../views/listing.js'
import { productPage } from '../views/product.js'
import { categoryNotFound, productNotFound } from '../errors.js'

const SORTS = new Set(['relevance', 'newest', 'price_asc', 'price_desc'])
const SLUG = /^[a-z0-9]+(-[a-z0-9]+)*$/

/** Browsing: home, category pages, search with filters, product pages, and search suggestions (JSON). */
export function registerCatalogPages(app: FastifyInstance, shop: Shop) {
  app.get('/', async (req, reply) => {
    const api = apiFor(shop, req)
    const [deals, categories, bestSellers] = await Promise.all([
      api<Page<Product>>({ method: 'GET', path: '/api/deals', query: { limit: 8 } }),
      api<{ items: Category[] }>({ method: 'GET', path: '/api/categories' }),
      api<Recommendations>({ method: 'GET', path: '/api/recommendations', query: { limit: 8 } }),
    ])
    return sendPage(shop, req, reply, (v) => homePage(v, { deals: deals.body.items, categories: categories.body.items, bestSellers: bestSellers.body.items }))
  })

  app.get('/category/:slug', async (req, reply) => {
    const slug = (req.params as { slug: string }).slug
    if (!SLUG.test(slug)) throw categoryNotFound()
    const tree = (await apiFor(shop, req)<{ items: Category[] }>({ method: 'GET', path: '/api/categories' })).body.items
    const trail = findTrail(tree, slug)
    if (!trail) throw categoryNotFound()
    return sendListing(shop, req, reply, { category: slug, trail, tree })
  })

  app.get('/search', async (req, reply) => {
    const tree = (await apiFor(shop, req)<{ items: Category[] }>({ method: 'GET', path: '/api/categories' })).body.items
    const category = queryText(req, 'category')
    return sendListing(shop, req, reply, { ...(category && SLUG.test(category) ? { category } : {}), tree })
  })

  app.get('/products/:slug', async (req, reply) => {
    const slug = (req.params as { slug: string }).slug
    if (!/^[a-z0-9-]{1,120}$/.test(slug)) throw productNotFound()
    const api = apiFor(shop, req)
    const product = (await api<Product>({ method: 'GET', path: `/api/products/${slug}` })).body
    const recommended = await api<Recommendations>({ method: 'GET', path: '/api/recommendations', query: { productId: product.id, limit: 4 } }).then(
      (a) => a.body.items,
      () => [] as Product[],
    )
    return sendPage(shop, req, reply, (v) => productPage(v, product, recommended, queryText(req, 'added') === '1'))
  })

  // Suggestions as you type (the page's script asks): the API's, where the last word is a prefix
  // ("headph" finds headphones) and a typo is corrected; names and slugs only, cached per prefix.
  app.get('/search/suggest', async (req, reply) => {
    const q = queryText(req, 'q')
    reply.header('cache-control', 'private, max-age=60')
    if (!q || q.length < 2 || q.length > 100) return { items: [] }
    try {
      const { body } = await apiFor(shop, req)<Suggestions>({ method: 'GET', path: '/api/products/suggestions', query: { q, limit: 6 } })
      return { items: body.items.map((s) => ({ name: s.name, url: `/products/${s.slug}` })), ...(body.correctedQuery ? { correctedQuery: body.correctedQuery } : {}) }
    } catch {
      // Suggestions are a convenience: the search itself still works.
      return { items: [] }
    }
  })
}

async function sendListing(shop: Shop, req: Parameters<typeof apiFor>[1], reply: Parameters<typeof sendPage>[2], base: Pick<Listing, 'category' | 'trail' | 'tree'>) {
  const q = queryText(req, 'q')
  const minPrice = parsePrice(queryText(req, 'minPrice'))
  const maxPrice = parsePrice(queryText(req, 'maxPrice'))
  let sort = queryText(req, 'sort')
  if (!sort || !SORTS.has(sort) || (sort === 'relevance' && !q)) sort = q ? 'relevance' : 'newest'
  const cursor = queryText(req, 'cursor')
  const listing: Listing = { ...base, sort, ...(q ? { q } : {}), ...(minPrice !== undefined ? { minPrice } : {}), ...(maxPrice !== undefined ? { maxPrice } : {}) }
  let page: Page<Product> = { items: [], nextCursor: null }
  try {
    page = (
      await apiFor(shop, req)<Page<Product>>({
        method: 'GET',
        path: '/api/products',
        query: { q, category: base.category, minPrice, maxPrice, sort, cursor, limit: 24 },
      })
    ).body
  } catch (err) {
    // A shopper's filter the API refuses (price range upside down, an old cursor) is a message on the page, not an error page.
    if (!(err instanceof ApiError) || err.status !== 400) throw err
    listing.error = err
  }
  return sendPage(shop, req, reply, (v) => listingPage(v, listing, page, cursor !== undefined))
}

/** The path from a root category down to the one with this slug. */
function findTrail(tree: Category[], slug: string): Category[] | undefined {
  for (const c of tree) {
    if (c.slug === slug) return [c]
    const below = findTrail(c.children, slug)
    if (below) return [c, ...below]
  }
  return undefined
}
