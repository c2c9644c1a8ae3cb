import type { Static } from '@sinclair/typebox'
import { requireAdmin } from '../../platform/auth/identity.js'
import type { App } from '../../platform/server.js'
import { promotionNotFound } from './errors.js'
import type { OrderDeps } from './order-deps.js'
import { offRules, offView } from './pricing-routes.js'
import * as S from './pricing-schemas.js'
import * as store from './promotion-store.js'
import { changeRules } from './quote.js'
import { ErrorResponse } from './schemas.js'

const errors = { 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse, 429: ErrorResponse }
const admin = { tags: ['orders: pricing (admin)'], security: [{ bearer: [] }] }

/** Admin routes of automatic promotions: order-level discounts without a code (pricing.ts applies the best running one). */
export function registerPromotionRoutes(app: App, deps: OrderDeps) {
  app.post(
    '/promotions',
    { preValidation: requireAdmin, schema: { ...admin, summary: 'Create an automatic promotion: every checkout that qualifies gets it, no code needed', body: S.NewPromotion, response: { 201: S.Promotion, ...errors } } },
    async (req, reply) => reply.code(201).send(promotionView(await changeRules(deps, () => store.insertPromotion(deps.db, { name: req.body.name, ...offRules(req.body) })))),
  )

  app.get(
    '/promotions',
    { preValidation: requireAdmin, schema: { ...admin, summary: 'Every promotion, newest first', response: { 200: S.ItemsOf(S.Promotion), ...errors } } },
    async () => ({ items: (await store.listPromotions(deps.db)).map(promotionView) }),
  )

  app.post(
    '/promotions/:id/deactivate',
    { preValidation: requireAdmin, schema: { ...admin, summary: 'End a promotion now: placed orders keep it', params: S.IdParams, response: { 200: S.Promotion, ...errors } } },
    async (req) => {
      const row = await changeRules(deps, () => store.deactivatePromotion(deps.db, req.params.id))
      if (!row) throw promotionNotFound(req.params.id)
      return promotionView(row)
    },
  )
}

function promotionView(r: store.PromotionRow): Static<typeof S.Promotion> {
  return { id: r.id, name: r.name, ...offView(r) }
}
