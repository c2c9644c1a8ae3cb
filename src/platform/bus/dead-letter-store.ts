import type { EventEnvelope } from '../../contracts/events.js'
import type { Db } from '../db/db.js'
import { migrate } from '../db/migrate.js'

/** Every statement on the embedded bus's dead letters (schema `eventbus`). */
export interface DeadLetter {
  id: number
  queue: string
  event_id: string
  source_schema: string
  body: EventEnvelope
}

export function migrateDeadLetters(db: Db): Promise<number[]> {
  return migrate(db, { schema: 'eventbus', dir: new URL('./migrations/', import.meta.url) })
}

export async function insertDeadLetter(
  db: Db,
  d: { queue: string; event: EventEnvelope; sourceSchema: string; reason: string; deliveries: number },
): Promise<void> {
  await db.query(
    `insert into eventbus.dead_letters (queue, event_id, source_schema, body, reason, deliveries)
     values ($1, $2, $3, $4, $5, $6)
     on conflict (queue, event_id) do update
       set body = excluded.body, reason = excluded.reason, deliveries = excluded.deliveries, dead_at = now(), replay_requested = false`,
    [d.queue, d.event.id, d.sourceSchema, JSON.stringify(d.event), d.reason.slice(0, 1000), d.deliveries],
  )
}

export async function countDeadLetters(db: Db, queue: string): Promise<number> {
  const { rows } = await db.query<{ n: number }>('select count(*)::int as n from eventbus.dead_letters where queue = $1 and not replay_requested', [queue])
  return rows[0]!.n
}

export async function requestReplay(db: Db, queue: string): Promise<number> {
  const { rowCount } = await db.query('update eventbus.dead_letters set replay_requested = true where queue = $1 and not replay_requested', [queue])
  return rowCount
}

export async function findReplays(db: Db, queue: string, limit: number): Promise<DeadLetter[]> {
  const { rows } = await db.query<DeadLetter>(
    'select id, queue, event_id, source_schema, body from eventbus.dead_letters where queue = $1 and replay_requested order by id limit $2',
    [queue, limit],
  )
  return rows
}

/** Removes a replayed dead letter, unless it died again meanwhile (the upsert cleared the flag). */
export async function deleteReplayed(db: Db, id: number): Promise<void> {
  await db.query('delete from eventbus.dead_letters where id = $1 and replay_requested', [id])
}
