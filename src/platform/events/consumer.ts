import type { TSchema } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'
import type { Logger } from 'pino'
import type { Registry } from 'prom-client'
import { EVENT_VERSION, type EventEnvelope, type EventType } from '../../contracts/events.js'
import type { Delivery, Subscription } from '../bus/bus.js'
import type { Db, Queryable } from '../db/db.js'
import { eventMalformed, eventVersionUnsupported, type AppError } from '../errors.js'
import { parseEnvelope } from './envelope.js'
import { eventMetrics } from './event-metrics.js'
import { isProcessed, recordProcessed } from './inbox.js'

export interface HandlerContext {
  db: Db
  log: Logger
  /**
   * Records the event as processed, together with fn's writes, in one
   * transaction; false when it already was (then fn does not run). A handler
   * that does not call it gets it called after it returns.
   */
  commit(fn?: (tx: Queryable) => Promise<void>): Promise<boolean>
}

export interface EventHandler<T extends EventType> {
  /** Payload versions this handler understands; others are retried, then dead-lettered. */
  versions?: readonly number[]
  /** Schema the payload must match (EVENT_MALFORMED otherwise). */
  payload?: TSchema
  /**
   * Look in the inbox before handling (default). A handler whose whole effect is
   * in ctx.commit can skip it: the inbox insert in that transaction already makes
   * a redelivery a no-op. A handler with an effect outside the database (e-mail) must not.
   */
  precheck?: boolean
  handle(event: EventEnvelope<T>, ctx: HandlerContext): Promise<void>
}

export type EventHandlers = { [T in EventType]?: EventHandler<T> }

export interface ConsumerOptions {
  /** The service's queue (one per consuming service). */
  queue: string
  patterns: string[]
  /** Schema holding the service's inbox table (see inbox.ts). */
  inboxSchema: string
  handlers: EventHandlers
  db: Db
  log: Logger
  registry: Registry
  prefetch?: number
}

/**
 * A subscription whose handlers run with inbox semantics: a malformed body, an
 * unknown payload version or a failing handler throws (the bus retries with
 * back-off and dead-letters after the delivery limit); an event already in the
 * inbox is acknowledged with no effect; types matching the patterns without a
 * handler are acknowledged and ignored.
 */
export function createConsumer(o: ConsumerOptions): Subscription {
  const metrics = eventMetrics(o.registry)
  const count = (result: string) => metrics.consumed.inc({ queue: o.queue, result })

  async function handle(delivery: Delivery): Promise<void> {
    const stop = metrics.handleSeconds.startTimer({ queue: o.queue })
    try {
      const event = parseEnvelope(delivery.body)
      const handler = o.handlers[event.type] as EventHandler<EventType> | undefined
      if (!handler) return count('ignored')
      if (!(handler.versions ?? [EVENT_VERSION]).includes(event.version)) {
        throw eventVersionUnsupported(event.type, event.version)
      }
      if (handler.payload && !Value.Check(handler.payload, event.payload)) {
        const first = Value.Errors(handler.payload, event.payload).First()
        throw eventMalformed(`${event.type} payload: ${first?.path || '/'} ${first?.message ?? 'invalid'}`)
      }
      if (handler.precheck !== false && (await isProcessed(o.db, o.inboxSchema, event.id))) return count('duplicate')
      const log = o.log.child({ eventId: event.id, eventType: event.type, ...(event.traceId ? { traceId: event.traceId } : {}) })
      let committed: boolean | undefined
      const ctx: HandlerContext = {
        db: o.db,
        log,
        commit: async (fn) => (committed = await recordProcessed(o.db, o.inboxSchema, event, fn)),
      }
      await handler.handle(event, ctx)
      if (committed === undefined) await ctx.commit()
      count(committed ? 'processed' : 'duplicate')
    } catch (err) {
      count('failed')
      o.log.warn(
        { err: { code: (err as AppError).code, message: (err as Error).message }, messageId: delivery.messageId, deliveryCount: delivery.deliveryCount, queue: o.queue },
        'event handling failed',
      )
      throw err
    } finally {
      stop()
    }
  }

  return { queue: o.queue, patterns: o.patterns, ...(o.prefetch ? { prefetch: o.prefetch } : {}), handle }
}
