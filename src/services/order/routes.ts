import { identityOf, requireAdmin, requireUser } from '../../platform/auth/identity.js'
import type { App } from '../../platform/server.js'
import { idempotencyKeyInvalid, idempotencyKeyRequired } from './errors.js'
import { fingerprint, runIdempotent } from './idempotency.js'
import { checkAddressChoice } from './address-book.js'
import { placeOrder } from './checkout.js'
import { transition } from './lifecycle.js'
import type { OrderDeps } from './order-deps.js'
import { getOrder, listOrders } from './order-views.js'
import { checkCard } from './payment-provider.js'
import * as S from './schemas.js'
import { orderStats } from './stats-store.js'
import type { OrderStatus } from './state-machine.js'

const errors = { 400: S.ErrorResponse, 401: S.ErrorResponse, 403: S.ErrorResponse, 404: S.ErrorResponse, 409: S.ErrorResponse, 422: S.ErrorResponse, 429: S.ErrorResponse }
const tags = ['orders']
const security = [{ bearer: [] }]

export interface OrderRouteSettings {
  idempotencyLockMs: number
}

/** Thin handlers over checkout.ts, lifecycle.ts and order-views.ts; every route needs a signed-in user, ship and deliver an admin. */
export function registerOrderRoutes(app: App, deps: OrderDeps, settings: OrderRouteSettings) {
  app.post(
    '/',
    {
      preValidation: requireUser,
      config: { headerErrors: { 'idempotency-key': { missing: idempotencyKeyRequired, invalid: idempotencyKeyInvalid } } },
      schema: {
        tags,
        security,
        summary: 'Check out: the cart becomes a paid order (402 PAYMENT_DECLINED with the provider\'s reason otherwise)',
        headers: S.IdempotencyHeaders,
        body: S.CheckoutBody,
        response: { 201: S.Order, 402: S.ErrorResponse, ...errors },
      },
    },
    async (req, reply) => {
      const user = identityOf(req)
      const key = req.headers['idempotency-key']
      // Refusals of the request itself store nothing: the same key stays usable.
      checkAddressChoice(req.body)
      if (req.body.payment) checkCard(req.body.payment.card)
      const answer = await runIdempotent(
        deps.db,
        { userId: user.userId, key, fingerprint: fingerprint('POST', '/api/orders', req.body), lockMs: settings.idempotencyLockMs },
        async (orderId, resumed) => ({
          status: 201,
          body: await placeOrder(deps, {
            user,
            orderId,
            resumed,
            ...(req.body.shippingAddress ? { shippingAddress: req.body.shippingAddress as Record<string, string> } : {}),
            ...(req.body.shippingAddressId ? { shippingAddressId: req.body.shippingAddressId } : {}),
            ...(req.body.billingAddress ? { billingAddress: req.body.billingAddress as Record<string, string> } : {}),
            ...(req.body.billingAddressId ? { billingAddressId: req.body.billingAddressId } : {}),
            ...(req.body.discountCode !== undefined ? { discountCode: req.body.discountCode } : {}),
            ...(req.body.shippingOption !== undefined ? { shippingOption: req.body.shippingOption } : {}),
            ...(req.body.payment ? { card: req.body.payment.card } : {}),
          }),
        }),
      )
      if (answer.replayed) reply.header('idempotent-replayed', 'true')
      // The stored bytes, as they were first sent (a replay is byte for byte).
      return reply.code(answer.status as 201 | 402).type('application/json; charset=utf-8').send(answer.body as never)
    },
  )

  app.get(
    '/',
    { preValidation: requireUser, schema: { tags, security, summary: 'Orders, newest first: your own, or any for an admin', querystring: S.ListQuery, response: { 200: S.OrderPage, ...errors } } },
    async (req) => {
      const { status, userId, customerEmail, number, limit, cursor } = req.query
      return listOrders(deps, identityOf(req), {
        limit,
        ...(status ? { status: status as OrderStatus } : {}),
        ...(userId !== undefined ? { userId } : {}),
        ...(customerEmail !== undefined ? { customerEmail } : {}),
        ...(number !== undefined ? { number } : {}),
        ...(cursor !== undefined ? { cursor } : {}),
      })
    },
  )

  app.get(
    '/stats',
    {
      preValidation: requireAdmin,
      schema: { tags, security, summary: 'Admin: orders and revenue today, orders by status, orders per day (UTC)', querystring: S.StatsQuery, response: { 200: S.OrderStats, ...errors } },
    },
    async (req) => orderStats(deps.db, req.query.days),
  )

  app.get(
    '/:id',
    { preValidation: requireUser, schema: { tags, security, summary: 'One order', params: S.OrderParams, response: { 200: S.Order, ...errors } } },
    async (req) => getOrder(deps, req.params.id, identityOf(req)),
  )

  app.post(
    '/:id/cancel',
    { preValidation: requireUser, schema: { tags, security, summary: 'Cancel an unpaid or paid order: stock released, payment refunded', params: S.OrderParams, body: S.CancelBody, response: { 200: S.Order, ...errors } } },
    async (req) => transition(deps, req.params.id, 'cancel', identityOf(req), req.body?.reason ? { reason: req.body.reason } : {}),
  )

  app.post(
    '/:id/ship',
    { preValidation: requireAdmin, schema: { tags, security, summary: 'Admin: mark a paid order shipped', params: S.OrderParams, body: S.ShipBody, response: { 200: S.Order, ...errors } } },
    async (req) => transition(deps, req.params.id, 'ship', identityOf(req), req.body?.trackingNumber ? { trackingNumber: req.body.trackingNumber } : {}),
  )

  app.post(
    '/:id/deliver',
    { preValidation: requireAdmin, schema: { tags, security, summary: 'Admin: mark a shipped order delivered', params: S.OrderParams, response: { 200: S.Order, ...errors } } },
    async (req) => transition(deps, req.params.id, 'deliver', identityOf(req)),
  )
}
