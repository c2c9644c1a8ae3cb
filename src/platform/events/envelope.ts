import { Type } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'
import type { EventEnvelope, EventType } from '../../contracts/events.js'
import { eventMalformed } from '../errors.js'
import type { OutboxRow } from './outbox-store.js'

/** The envelope of an outbox row, as it travels on the bus (the AMQP body, JSON). */
export function toEnvelope(row: OutboxRow): EventEnvelope {
  return {
    id: row.id,
    type: row.type,
    aggregate: { type: row.aggregate_type, id: row.aggregate_id },
    occurredAt: new Date(row.occurred_at).toISOString(),
    version: row.version,
    payload: row.payload,
    ...(row.trace_id ? { traceId: row.trace_id } : {}),
  }
}

const UUID = '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$'

const Envelope = Type.Object({
  id: Type.String({ pattern: UUID }),
  type: Type.String({ pattern: '^[a-z][a-z0-9_]*(\\.[a-z][a-z0-9_]*)+$', maxLength: 200 }),
  aggregate: Type.Object({ type: Type.String({ minLength: 1 }), id: Type.String({ minLength: 1 }) }),
  occurredAt: Type.String({ minLength: 1 }),
  version: Type.Integer({ minimum: 1 }),
  payload: Type.Object({}),
  traceId: Type.Optional(Type.String()),
})

/** Checks a delivered body is an event envelope; EVENT_MALFORMED when it is not. */
export function parseEnvelope(body: unknown): EventEnvelope {
  if (!Value.Check(Envelope, body)) {
    const first = Value.Errors(Envelope, body).First()
    const where = first ? `${first.path || '/'} ${first.message}` : 'not an object'
    throw eventMalformed(`not an event envelope: ${where}`)
  }
  if (Number.isNaN(Date.parse(body.occurredAt))) throw eventMalformed('occurredAt is not a date')
  return body as EventEnvelope
}
