import { randomUUID } from 'node:crypto'
import { EVENT_VERSION, type EventEnvelope, type EventPayloads, type EventType } from '../../contracts/events.js'
import type { Queryable } from '../db/db.js'

/**
 * The transactional outbox. Every service that publishes events has, in its own
 * schema, a table created by one of its migrations with exactly this shape:
 *
 *   create table <schema>.outbox (
 *     seq bigint generated always as identity primary key,
 *     id uuid not null unique,
 *     type text not null,
 *     aggregate_type text not null,
 *     aggregate_id text not null,
 *     version integer not null default 1,
 *     payload jsonb not null,
 *     trace_id text,
 *     occurred_at timestamptz not null default now(),
 *     published_at timestamptz,
 *     attempts integer not null default 0,
 *     last_error text
 *   );
 *   create index outbox_unpublished on <schema>.outbox (seq) where published_at is null;
 *
 * appendEvent() is called inside the transaction that makes the change, so the
 * event exists if and only if the change committed. A relay publishes the rows
 * later and marks them published after the broker confirms.
 */
export interface NewEvent<T extends EventType> {
  type: T
  aggregateType: string
  aggregateId: string
  payload: EventPayloads[T]
  traceId?: string
}

export async function appendEvent<T extends EventType>(tx: Queryable, schema: string, event: NewEvent<T>): Promise<EventEnvelope<T>> {
  if (!/^[a-z_][a-z0-9_]*$/.test(schema)) throw new Error(`bad schema name: ${schema}`)
  const id = randomUUID()
  const { rows } = await tx.query<{ occurred_at: Date }>(
    `insert into ${schema}.outbox (id, type, aggregate_type, aggregate_id, version, payload, trace_id)
     values ($1, $2, $3, $4, $5, $6, $7) returning occurred_at`,
    [id, event.type, event.aggregateType, event.aggregateId, EVENT_VERSION, JSON.stringify(event.payload), event.traceId ?? null],
  )
  return {
    id,
    type: event.type,
    aggregate: { type: event.aggregateType, id: event.aggregateId },
    occurredAt: rows[0]!.occurred_at.toISOString(),
    version: EVENT_VERSION,
    payload: event.payload,
    ...(event.traceId ? { traceId: event.traceId } : {}),
  }
}
