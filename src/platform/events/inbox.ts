import type { EventEnvelope } from '../../contracts/events.js'
import type { Db, Queryable } from '../db/db.js'

/**
 * The inbox of a consuming service: the ids of the events it has processed, in
 * its own schema, created by one of its migrations with this shape:
 *
 *   create table <schema>.inbox (
 *     event_id uuid primary key,
 *     type text not null,
 *     processed_at timestamptz not null default now()
 *   );
 *
 * The id is inserted in the transaction that makes the event's effect, so a
 * redelivered event (the broker's `redelivered` flag is only a hint) finds its
 * id and has no second effect.
 */
export function inboxTable(schema: string): string {
  if (!/^[a-z_][a-z0-9_]*$/.test(schema)) throw new Error(`bad schema name: ${schema}`)
  return `"${schema}".inbox`
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
