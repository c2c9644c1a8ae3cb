import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { ApiError, type ApiCall } from '../api-client.js'
import type { Cart } from '../api-types.js'
import { apiFor, formText, sendPage, wantsJson, type Shop } from '../context.js'
import { money } from '../format.js'
import { messageFor } from '../messages.js'
import { cartPage } from '../views/cart.js'
import { cartItemNotFound, productNotFound, validation } from '../errors.js'

/**
 * The cart: a guest's (token in a cookie) or the signed-in user's (a guest
 * cart still in the cookie is merged into it by the API on the first call).
 */
export async function callCart(shop: Shop, req: FastifyRequest, reply: FastifyReply, call: Omit<ApiCall, 'cartToken'>): Promise<Cart> {
  const cart = (await apiFor(shop, req)<Cart>({ ...call, ...(req.shop.cartToken ? { cartToken: req.shop.cartToken } : {}) })).body
  shop.sessions.rememberCart(req, reply, req.shop, cart)
  return cart
}

function quantityOf(text: string): number | undefined {
  return /^\d{1,3}$/.test(text) ? Number(text) : undefined
}

/** The form's variantId, when it has one (a product with several variants). */
function variantOf(req: FastifyRequest): number | undefined {
  const text = formText(req, 'variantId')
  return /^[1-9]\d{0,15}$/.test(text) ? Number(text) : undefined
}

export function registerCartPages(app: FastifyInstance, shop: Shop) {
  app.get('/cart', async (req, reply) => {
    const cart = await callCart(shop, req, reply, { method: 'GET', path: '/api/cart' })
    const notice = req.query && (req.query as Record<string, string>).updated === '1' ? 'Your cart was updated.' : undefined
    return sendPage(shop, req, reply, (v) => cartPage(v, cart, { ...(notice ? { notice } : {}) }))
  })

  app.post('/cart/items', async (req, reply) => {
    const productId = Number(formText(req, 'productId'))
    const quantity = quantityOf(formText(req, 'quantity')) ?? 1
    const variantId = variantOf(req)
    try {
      if (!Number.isSafeInteger(productId) || productId < 1) throw productNotFound()
      const cart = await callCart(shop, req, reply, { method: 'POST', path: '/api/cart/items', body: { productId, ...(variantId ? { variantId } : {}), quantity } })
      const line = cart.items.find((i) => i.productId === productId && (!variantId || i.variantId === variantId))
      if (wantsJson(req)) {
        return { itemCount: cart.itemCount, subtotal: money(cart.subtotal), message: `Added to your cart${line?.name ? `: ${line.name}` : ''}.` }
      }
      return reply.redirect(line?.slug ? `/products/${line.slug}?added=1` : '/cart', 303)
    } catch (err) {
      if (!(err instanceof ApiError) || err.status >= 500 || err.status === 401) throw err
      if (wantsJson(req)) return reply.code(err.status).send({ error: { code: err.code, message: messageFor(err) } })
      const cart = await callCart(shop, req, reply, { method: 'GET', path: '/api/cart' })
      return sendPage(shop, req, reply, (v) => cartPage(v, cart, { error: messageFor(err) }), err.status)
    }
  })

  app.post('/cart/items/:productId', async (req, reply) => {
    const productId = Number((req.params as { productId: string }).productId)
    const remove = formText(req, 'action') === 'remove'
    const quantity = quantityOf(formText(req, 'quantity'))
    const variantId = variantOf(req)
    try {
      if (!Number.isSafeInteger(productId) || productId < 1) throw cartItemNotFound()
      const path = `/api/cart/items/${productId}${variantId ? `?variantId=${variantId}` : ''}`
      if (remove || quantity === 0) {
        await callCart(shop, req, reply, { method: 'DELETE', path })
      } else {
        if (quantity === undefined) throw validation('Quantity must be a whole number')
        await callCart(shop, req, reply, { method: 'PATCH', path, body: { quantity } })
      }
      return reply.redirect('/cart?updated=1', 303)
    } catch (err) {
      if (!(err instanceof ApiError) || err.status >= 500 || err.status === 401) throw err
      const cart = await callCart(shop, req, reply, { method: 'GET', path: '/api/cart' })
      return sendPage(shop, req, reply, (v) => cartPage(v, cart, { error: messageFor(err) }), err.status)
    }
  })
}
