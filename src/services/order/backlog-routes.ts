import { Type } from '@sinclair/typebox'
import type { Logger } from 'pino'
import { ORDER_EVENT_QUEUES } from '../../contracts/events.js'
import { requireAdmin } from '../../platform/auth/identity.js'
import type { EventBus } from '../../platform/bus/bus.js'
import type { Db } from '../../platform/db/db.js'
import { outboxBacklog } from '../../platform/events/outbox-store.js'
import type { App } from '../../platform/server.js'
import * as S from './schemas.js'

/**
 * GET /api/orders/events/backlog (admin): order events written but not yet
 * delivered. The order service's outbox rows not yet published (an event waits
 * there while the broker is away), and the queues of the services that consume
 * them: messages waiting there (RabbitMQ: ready, not counting those being
 * handled; embedded: waiting in this process for a consumer's turn) and dead letters.
 */

const Backlog = Type.Object({
  bus: Type.Union([Type.Literal('rabbitmq'), Type.Literal('embedded')]),
  outbox: Type.Object({
    unpublished: Type.Integer({ description: 'Order events not yet handed to the broker (embedded: not yet handled by every consumer).' }),
    failing: Type.Integer({ description: 'Of those, the ones whose last publish attempt failed.' }),
    oldestAgeSeconds: Type.Union([Type.Integer(), Type.Null()]),
  }),
  queues: Type.Union(
    [
      Type.Array(
        Type.Object({
          queue: Type.String(),
          ready: Type.Integer({ description: 'Messages waiting for a consumer.' }),
          consumers: Type.Integer(),
          deadLetters: Type.Integer(),
        }),
      ),
      Type.Null(),
    ],
    { description: 'null: the broker could not be asked (the outbox keeps the events meanwhile).' },
  ),
})

const errors = { 401: S.ErrorResponse, 403: S.ErrorResponse, 429: S.ErrorResponse }

export function registerBacklogRoute(app: App, deps: { db: Db; bus: EventBus; log: Logger }) {
  const { log } = deps
  app.get(
    '/events/backlog',
    {
      preValidation: requireAdmin,
      schema: { tags: ['orders'], security: [{ bearer: [] }], summary: 'Admin: order events not yet delivered (outbox rows not yet published, consumer queue depths)', response: { 200: Backlog, ...errors } },
    },
    async (_req, reply) => {
      const [outbox, queues] = await Promise.all([
        outboxBacklog(deps.db, 'orders'),
        // The broker away is what makes the outbox grow: the answer still gives the outbox.
        Promise.all(ORDER_EVENT_QUEUES.map((q) => deps.bus.queueStats(q))).catch((err: unknown) => {
          log.warn({ err }, 'backlog: the broker could not be asked for queue depths')
          return null
        }),
      ])
      reply.header('cache-control', 'no-store')
      return { bus: deps.bus.kind, outbox: { unpublished: outbox.unpublished, failing: outbox.failing, oldestAgeSeconds: outbox.oldestAgeSeconds }, queues }
    },
  )
}
