import type { FastifyInstance, FastifyRequest } from 'fastify'
import { ApiError } from '../api-client.js'
import type { CacheStats, Category, EventBacklog, LowStock, Order, OrderStats, Page, Product } from '../api-types.js'
import { apiFor, formText, queryText, redirectToSignIn, sendPage, type Shop } from '../context.js'
import { messageFor } from '../messages.js'
import type { Figure } from '../views/admin-operations.js'
import { dashboardPage, adminOrderPage, adminOrdersPage, type Dashboard } from '../views/admin.js'
import { errorPage } from '../views/errors.js'
import { registerAdminCatalogPages } from './admin-catalog.js'
import { orderNotFound, orderSearchInvalid } from '../errors.js'

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/
/** The order number the pages and e-mails show (shortId): the first 8 hex digits of the id. */
const ORDER_NUMBER = /^[0-9a-f]{8}$/i
const STATUSES = new Set(['pending_payment', 'paid', 'shipped', 'delivered', 'cancelled', 'payment_failed'])
// A session that ended while the dashboard loaded signs out as on any page, not as an "unavailable" figure.
const AUTH_CODES = new Set(['AUTH_REQUIRED', 'INVALID_TOKEN', 'TOKEN_EXPIRED', 'USER_NOT_FOUND'])
const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1'])

/**
 * The admin area at /admin: for the admin role only (a guest is sent to sign
 * in, a customer gets 403). Every action is the public admin API's; the API
 * checks the role again on each call.
 */
export function registerAdminPages(app: FastifyInstance, shop: Shop) {
  void app.register(
    async (admin) => {
      admin.addHook('preHandler', async (req, reply) => {
        if (!req.shop.identity) return redirectToSignIn(req, reply)
        if (!req.shop.identity.roles.includes('admin')) {
          return sendPage(shop, req, reply, (v) => errorPage(v, 403, 'This area is for the shop’s administrators.'), 403)
        }
      })

      admin.get('/', async (req, reply) => {
        const api = apiFor(shop, req)
        const figure = <T>(path: string): Promise<Figure<T>> =>
          api<T>({ method: 'GET', path }).then(
            (a) => ({ ok: true as const, value: a.body }),
            (err: unknown) => {
              if (err instanceof ApiError && AUTH_CODES.has(err.code)) throw err
              return { ok: false as const, message: messageFor(err) }
            },
          )
        const [stats, latest, categories, deals, lowStock, cache, backlog] = await Promise.all([
          api<OrderStats>({ method: 'GET', path: '/api/orders/stats' }),
          api<Page<Order>>({ method: 'GET', path: '/api/orders', query: { limit: 10 } }),
          api<{ items: Category[] }>({ method: 'GET', path: '/api/categories' }),
          api<Page<Product>>({ method: 'GET', path: '/api/deals', query: { limit: 100 } }),
          figure<LowStock>('/api/products/stats/low-stock'),
          figure<CacheStats>('/api/products/stats/cache'),
          figure<EventBacklog>('/api/orders/events/backlog'),
        ])
        const data: Dashboard = {
          stats: stats.body,
          latest: latest.body.items,
          products: categories.body.items.reduce((n, c) => n + c.productCount, 0),
          categories: categories.body.items,
          deals: { n: deals.body.items.length, more: deals.body.nextCursor !== null },
          devMail: shop.devMail && LOOPBACK.has(req.socket.remoteAddress ?? ''),
          lowStock,
          cache,
          backlog,
        }
        return sendPage(shop, req, reply, (v) => dashboardPage(v, data))
      })

      // Orders by status, or one customer's (an e-mail address in the search box); an order's number or id opens it.
      admin.get('/orders', async (req, reply) => {
        const status = queryText(req, 'status')
        const filter = status && STATUSES.has(status) ? status : undefined
        const search = queryText(req, 'q')
        if (search && UUID.test(search.toLowerCase())) return reply.redirect(`/admin/orders/${search.toLowerCase()}`, 303)
        const shown = { status: filter, q: search }
        try {
          const number = search && ORDER_NUMBER.test(search) ? search : undefined
          if (search && !number && !search.includes('@')) throw orderSearchInvalid()
          const query = { status: filter, ...(number ? { number } : { customerEmail: search }), limit: 50, cursor: queryText(req, 'cursor') }
          const page = (await apiFor(shop, req)<Page<Order>>({ method: 'GET', path: '/api/orders', query })).body
          const [only] = page.items
          if (number && only && page.items.length === 1) return reply.redirect(`/admin/orders/${only.id}`, 303)
          return sendPage(shop, req, reply, (v) => adminOrdersPage(v, page, shown))
        } catch (err) {
          if (!(err instanceof ApiError) || err.status !== 400) throw err
          return sendPage(shop, req, reply, (v) => adminOrdersPage(v, { items: [], nextCursor: null }, { ...shown, error: messageFor(err) }), 400)
        }
      })

      admin.get('/orders/:id', async (req, reply) => {
        const order = await getOrder(req)
        return sendPage(shop, req, reply, (v) => adminOrderPage(v, order, queryText(req, 'updated') === '1' ? { notice: 'The order was updated.' } : {}))
      })

      admin.post('/orders/:id/:action', async (req, reply) => {
        const { id, action } = req.params as { id: string; action: string }
        if (!UUID.test(id) || !['ship', 'deliver', 'cancel'].includes(action)) throw orderNotFound()
        const tracking = formText(req, 'trackingNumber')
        const body = action === 'ship' ? (tracking ? { trackingNumber: tracking } : {}) : action === 'cancel' ? { reason: 'cancelled by the shop' } : undefined
        try {
          await apiFor(shop, req)({ method: 'POST', path: `/api/orders/${id}/${action}`, ...(body ? { body } : {}) })
          return reply.redirect(`/admin/orders/${id}?updated=1`, 303)
        } catch (err) {
          if (!(err instanceof ApiError) || err.status >= 500 || err.status === 401 || err.code === 'ORDER_NOT_FOUND') throw err
          const order = await getOrder(req)
          return sendPage(shop, req, reply, (v) => adminOrderPage(v, order, { error: messageFor(err) }), err.status)
        }
      })

      async function getOrder(req: FastifyRequest): Promise<Order> {
        const id = (req.params as { id: string }).id
        if (!UUID.test(id)) throw orderNotFound()
        return (await apiFor(shop, req)<Order>({ method: 'GET', path: `/api/orders/${id}` })).body
      }

      registerAdminCatalogPages(admin, shop)
    },
    { prefix: '/admin' },
  )
}

