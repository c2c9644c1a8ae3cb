import type { FastifyReply, FastifyRequest } from 'fastify'
import { requireUser } from '../../platform/auth/identity.js'
import type { App } from '../../platform/server.js'
import * as cart from './cart.js'
import type { CartDeps, CartView, MergeReport } from './cart.js'
import type { StoredCart } from './cart-store.js'
import { CART_TOKEN_HEADER, guestCartId, newGuestToken, parseGuestToken, userCartId } from './cart-tokens.js'
import { cartTokenRequired, invalidCartToken } from './errors.js'
import * as S from './schemas.js'

/** Which cart a request works on. */
interface CartContext {
  cartId?: string
  /** The guest token to hand back (absent for a user cart, or a guest without a cart yet). */
  token?: string
  /** The stored cart, when resolving it already read it. */
  cart?: StoredCart
  merge?: MergeReport
}

/**
 * A signed-in request works on the user's cart (the user id comes only from the
 * verified token); a guest token sent along merges that guest cart into it. A
 * request without a token works on the guest cart of its X-Cart-Token; an
 * unknown or expired token is no cart, and `create` starts a new one with a new token.
 */
async function cartOf(deps: CartDeps, req: FastifyRequest, create: boolean): Promise<CartContext> {
  // A bad or expired access token is a 401 for the client to fix, not a silent switch to a guest cart.
  if (req.headers.authorization !== undefined) await requireUser(req)
  const token = parseGuestToken(req.headers[CART_TOKEN_HEADER])
  if (req.identity) {
    const cartId = userCartId(req.identity.userId)
    const merge = token ? await cart.mergeGuestCart(deps, guestCartId(token), req.identity.userId) : null
    return { cartId, ...(merge ? { merge } : {}) }
  }
  if (token) {
    const cartId = guestCartId(token)
    const found = await deps.store.get(cartId)
    if (found) return { cartId, token, cart: found }
  }
  if (!create) return {}
  const fresh = newGuestToken()
  return { cartId: guestCartId(fresh), token: fresh }
}

function send(reply: FastifyReply, ctx: CartContext, view: CartView) {
  reply.header('cache-control', 'no-store')
  if (ctx.token) reply.header(CART_TOKEN_HEADER, ctx.token)
  return ctx.token ? { token: ctx.token, ...view } : view
}

/** Public cart routes (mounted at /api/cart): thin handlers over cart.ts. */
export function registerCartRoutes(app: App, deps: CartDeps) {
  const errors = { 400: S.ErrorResponse, 401: S.ErrorResponse, 404: S.ErrorResponse, 409: S.ErrorResponse, 429: S.ErrorResponse }
  const common = { tags: ['cart'], headers: S.CartTokenHeader, security: [{ bearer: [] as string[] }, {} as Record<string, string[]>] }
  // A bad token keeps its own code; /merge without one is CART_TOKEN_REQUIRED.
  const config = { headerErrors: { [CART_TOKEN_HEADER]: { missing: cartTokenRequired, invalid: invalidCartToken } } }
  const maxQuantity = deps.limits.maxQuantity

  app.get('/', { config, schema: { ...common, summary: 'The cart, priced from the catalog', response: { 200: S.Cart, ...errors } } }, async (req, reply) => {
    const ctx = await cartOf(deps, req, false)
    return send(reply, ctx, await cart.viewCart(deps, ctx.cartId, ctx.cart, ctx.merge))
  })

  app.post(
    '/items',
    {
      config,
      schema: {
        ...common,
        summary: 'Add units of a product variant (a line already in the cart gets more)',
        body: S.AddItemBody(maxQuantity),
        response: { 200: S.Cart, ...errors },
      },
    },
    async (req, reply) => {
      const ctx = await cartOf(deps, req, true)
      await cart.addItem(deps, ctx.cartId!, req.body.productId, req.body.variantId, req.body.quantity)
      return send(reply, ctx, await cart.viewCart(deps, ctx.cartId, undefined, ctx.merge))
    },
  )

  app.patch(
    '/items/:productId',
    {
      config,
      schema: {
        ...common,
        summary: "Set a line's quantity",
        params: S.ItemParams,
        querystring: S.ItemQuery,
        body: S.SetQuantityBody(maxQuantity),
        response: { 200: S.Cart, ...errors },
      },
    },
    async (req, reply) => {
      const ctx = await cartOf(deps, req, false)
      await cart.setItemQuantity(deps, ctx.cartId, req.params.productId, req.query.variantId, req.body.quantity)
      return send(reply, ctx, await cart.viewCart(deps, ctx.cartId, undefined, ctx.merge))
    },
  )

  app.delete(
    '/items/:productId',
    { config, schema: { ...common, summary: 'Remove a line', params: S.ItemParams, querystring: S.ItemQuery, response: { 200: S.Cart, ...errors } } },
    async (req, reply) => {
      const ctx = await cartOf(deps, req, false)
      await cart.removeItem(deps, ctx.cartId, req.params.productId, req.query.variantId)
      return send(reply, ctx, await cart.viewCart(deps, ctx.cartId, undefined, ctx.merge))
    },
  )

  app.delete('/', { config, schema: { ...common, summary: 'Empty the cart', response: { 200: S.Cart, ...errors } } }, async (req, reply) => {
    const ctx = await cartOf(deps, req, false)
    if (ctx.cartId) await deps.store.clear(ctx.cartId)
    return send(reply, ctx, await cart.viewCart(deps, ctx.cartId, undefined, ctx.merge))
  })

  app.post(
    '/merge',
    {
      preValidation: requireUser,
      config,
      schema: {
        ...common,
        headers: S.RequiredCartTokenHeader,
        summary: "Merge the guest cart of X-Cart-Token into the signed-in user's cart (any request with both does it too)",
        response: { 200: S.Cart, ...errors },
      },
    },
    async (req, reply) => {
      const ctx = await cartOf(deps, req, false)
      return send(reply, ctx, await cart.viewCart(deps, ctx.cartId, undefined, ctx.merge))
    },
  )
}
