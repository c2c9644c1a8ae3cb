import { randomUUID } from 'node:crypto'
import { EVENT_VERSION, type EventEnvelope, type EventPayloads, type EventType } from '../../contracts/events.js'
import type { Queryable } from '../db/db.js'
import { outboxTable } from './outbox-store.js'

/**
 * The transactional outbox. Every service that publishes events has an outbox
 * table in its own schema, made by the migrator from outboxDdl() (outbox-store.ts).
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
  const row = outboxRow(event)
  const { rows } = await tx.query<{ occurred_at: Date }>(`${outboxInsert(schema, 1)} returning occurred_at`, row.params)
  return {
    id: row.id,
    type: event.type,
    aggregate: { type: event.aggregateType, id: event.aggregateId },
    occurredAt: rows[0]!.occurred_at.toISOString(),
    version: EVENT_VERSION,
    payload: event.payload,
    ...(event.traceId ? { traceId: event.traceId } : {}),
  }
}

/** The values of an outbox row, in the column order of outboxInsert / outboxInsertSelect. */
export function outboxRow<T extends EventType>(event: NewEvent<T>): { id: string; params: unknown[] } {
  const id = randomUUID()
  return { id, params: [id, event.type, event.aggregateType, event.aggregateId, EVENT_VERSION, JSON.stringify(event.payload), event.traceId ?? null] }
}

const COLUMNS = 'id, type, aggregate_type, aggregate_id, version, payload, trace_id'

const TYPES = ['uuid', 'text', 'text', 'text', 'integer', 'jsonb', 'text']

function placeholders(first: number): string {
  return TYPES.map((t, i) => `$${first + i}::${t}`).join(', ')
}

/** INSERT of one outbox row whose values are parameters $first..$first+6. */
export function outboxInsert(schema: string, first: number): string {
  return `insert into ${outboxTable(schema)} (${COLUMNS}) values (${placeholders(first)})`
}

/**
 * The same INSERT as a data-modifying CTE body that writes `count` rows (their
 * values are parameters from $first on, 7 per row) only when `condition` (SQL)
 * holds: one statement can make a change and its events together, atomically,
 * without a transaction's extra round trips. The rows get their seq in the
 * order given (one INSERT, ordered), so consumers see them in that order.
 */
export function outboxInsertWhen(schema: string, first: number, condition: string, count = 1): string {
  const rows = Array.from({ length: count }, (_, i) => `(${i}, ${placeholders(first + i * TYPES.length)})`).join(', ')
  return `insert into ${outboxTable(schema)} (${COLUMNS})
    select ${COLUMNS} from (values ${rows}) as e(n, ${COLUMNS}) where ${condition} order by n`
}
