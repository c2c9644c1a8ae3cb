import type { EventEnvelope } from '../../contracts/events.js'
import { quoteSchema, type Db, type Queryable } from '../db/db.js'

/**
 * The inbox of a consuming service: the ids of the events it has processed, in
 * its own schema (inboxDdl; the migrator creates it for every service with a
 * subscription). The id is inserted in the transaction that makes the event's effect, so a
 * redelivered event (the broker's `redelivered` flag is only a hint) finds its
 * id and has no second effect.
 */
export function inboxTable(schema: string): string {
  return `${quoteSchema(schema)}.inbox`
}

/** The one definition of an inbox; idempotent, so it also runs against databases that already have it. */
export function inboxDdl(schema: string): string {
  return `create table if not exists ${inboxTable(schema)} (
    event_id uuid primary key,
    type text not null,
    processed_at timestamptz not null default now()
  );`
}

export async function isProcessed(q: Queryable, schema: string, eventId: string): Promise<boolean> {
  const { rows } = await q.query(`select 1 from ${inboxTable(schema)} where event_id = $1`, [eventId])
  return rows.length > 0
}

/**
 * One transaction: the event's id into the inbox, then fn's writes. Returns
 * false (and runs nothing) when the id was already there.
 */
export async function recordProcessed(
  db: Db,
  schema: string,
  event: Pick<EventEnvelope, 'id' | 'type'>,
  fn?: (tx: Queryable) => Promise<void>,
): Promise<boolean> {
  return db.transaction(async (tx) => {
    const inserted = await tx.query(`insert into ${inboxTable(schema)} (event_id, type) values ($1, $2) on conflict (event_id) do nothing`, [
      event.id,
      event.type,
    ])
    if (inserted.rowCount === 0) return false
    if (fn) await fn(tx)
    return true
  })
}
