import { Type } from '@sinclair/typebox'
import type { EventHandlers, HandlerContext } from '../../platform/events/consumer.js'
import { refreshReadModel } from './image-store.js'
import { SHOWN } from './product-images.js'
import { NS, type ProductDeps } from './product.js'
import { attachReservation, confirmReservation, forgetCachedProducts, releaseInTransaction } from './stock.js'

/**
 * The product service's queue: the order events that move stock and teach
 * recommendations, and its own product.image_ready, which puts a finished image
 * into the catalog's answers (so the event always has its consumer).
 */
export const PRODUCT_QUEUE = 'product'
export const PRODUCT_PATTERNS = ['order.placed', 'order.paid', 'order.cancelled', 'order.payment_failed', 'product.image_ready']

const ImageReady = Type.Object({ productId: Type.Integer({ minimum: 1 }) })

export function productHandlers(deps: ProductDeps): EventHandlers {
  return {
    // Every effect below is inside ctx.commit, with the inbox row: no need to look first.
    'order.placed': { precheck: false, handle: (e, ctx) => ctx.commit((tx) => attachReservation(tx, e.payload.orderId)).then(() => {}) },
    'order.paid': {
      precheck: false,
      handle: async (e, ctx) => {
        let sold = false
        await ctx.commit(async (tx) => {
          sold = await confirmReservation(tx, e.payload.orderId, ctx.log)
        })
        if (sold) await deps.cache.invalidate(NS.recommendations)
      },
    },
    'order.cancelled': { precheck: false, handle: (e, ctx) => release(e.payload.orderId, ctx) },
    // The checkout released the stock already; this is for when that call did not get through.
    'order.payment_failed': { precheck: false, handle: (e, ctx) => release(e.payload.orderId, ctx) },
    'product.image_ready': {
      precheck: false,
      payload: ImageReady,
      // Rewritten from the rows: a redelivery, or an image deleted meanwhile, comes out right.
      handle: async (e, ctx) => {
        await ctx.commit((tx) => refreshReadModel(tx, [e.payload.productId]))
        await deps.cache.invalidate(...SHOWN)
      },
    },
  }

  async function release(orderId: string, ctx: HandlerContext) {
    let touched: { id: number; slug: string }[] = []
    await ctx.commit(async (tx) => {
      touched = await releaseInTransaction(tx, orderId)
    })
    await forgetCachedProducts(deps, touched)
  }
}
