import type { EventPayloads, EventType } from '../../contracts/events.js'
import { quoteSchema, type Queryable } from '../db/db.js'

/**
 * The outbox table and every statement the relays run on it. The schema name
 * is checked before it reaches SQL.
 */
export interface OutboxRow {
  seq: number
  id: string
  /** As its producer wrote it (appendEvent types it); a consumer checks it again (consumer.ts). */
  type: EventType
  aggregate_type: string
  aggregate_id: string
  version: number
  payload: EventPayloads[EventType]
  trace_id: string | null
  occurred_at: Date
}

export function outboxTable(schema: string): string {
  return `${quoteSchema(schema)}.outbox`
}

/**
 * The one definition of an outbox: the migrator creates it in the schema of
 * every service whose definition says outbox: true (and the test producer in its own).
 * Idempotent, so it also runs against databases that already have it.
 */
export function outboxDdl(schema: string): string {
  const t = outboxTable(schema)
  return `
    create table if not exists ${t} (
      seq bigint generated always as identity primary key,
      id uuid not null unique,
      type text not null,
      aggregate_type text not null,
      aggregate_id text not null,
      version integer not null default 1,
      payload jsonb not null,
      trace_id text,
      occurred_at timestamptz not null default now(),
      published_at timestamptz,
      attempts integer not null default 0,
      last_error text
    );
    create index if not exists outbox_unpublished on ${t} (seq) where published_at is null;`
}

export interface HeadsQuery {
  limit: number
  /** Unpublished rows looked at, oldest first; an exact bound, see below. */
  window: number
  /** Rows not to take now (in flight, or backing off after a failure). */
  exclude: string[]
  /** Lock the rows taken (FOR UPDATE SKIP LOCKED) so relays in other instances skip them. */
  lock: boolean
}

/**
 * The oldest unpublished event of each aggregate, in seq order. Only heads are
 * taken, so a later event of an aggregate never overtakes an earlier one that is
 * still unpublished, even when another relay holds that one locked (a lock hides
 * a row from SKIP LOCKED, not from this check). The window is the oldest
 * unpublished rows; any earlier unpublished row of an aggregate is older, so it
 * is inside the window too, and the check stays exact.
 */
export async function selectHeads(q: Queryable, schema: string, h: HeadsQuery): Promise<OutboxRow[]> {
  const t = outboxTable(schema)
  const { rows } = await q.query<OutboxRow>(
    `select o.seq, o.id, o.type, o.aggregate_type, o.aggregate_id, o.version, o.payload, o.trace_id, o.occurred_at
       from ${t} o
      where o.published_at is null
        and o.seq in (
          select w.seq from (
            select seq, id, row_number() over (partition by aggregate_type, aggregate_id order by seq) as rn
              from (select seq, id, aggregate_type, aggregate_id from ${t} where published_at is null order by seq limit $2) oldest
          ) w
          where w.rn = 1 and not (w.id = any($3::uuid[])))
      order by o.seq
      limit $1
      ${h.lock ? 'for update of o skip locked' : ''}`,
    [h.limit, h.window, h.exclude],
  )
  return rows
}

export async function markPublished(q: Queryable, schema: string, ids: string[]): Promise<void> {
  if (!ids.length) return
  await q.query(
    `update ${outboxTable(schema)} set published_at = now(), attempts = attempts + 1, last_error = null where id = any($1::uuid[])`,
    [ids],
  )
}

/** Counts a failed publish on the rows; they stay unpublished and are tried again later. */
export async function recordFailure(q: Queryable, schema: string, ids: string[], error: string): Promise<void> {
  if (!ids.length) return
  await q.query(`update ${outboxTable(schema)} set attempts = attempts + 1, last_error = $2 where id = any($1::uuid[])`, [
    ids,
    error.slice(0, 1000),
  ])
}

export interface OutboxBacklog {
  schema: string
  unpublished: number
  /** Of those, rows whose last publish failed (unroutable, nacked). */
  failing: number
  oldestAgeSeconds: number | null
}

export async function outboxBacklog(q: Queryable, schema: string): Promise<OutboxBacklog> {
  const { rows } = await q.query<{ unpublished: number; failing: number; oldest: number | null }>(
    `select count(*)::int as unpublished,
            count(*) filter (where last_error is not null)::int as failing,
            extract(epoch from now() - min(occurred_at))::float8 as oldest
       from ${outboxTable(schema)} where published_at is null`,
  )
  const r = rows[0]!
  return { schema, unpublished: r.unpublished, failing: r.failing, oldestAgeSeconds: r.oldest === null ? null : Math.round(r.oldest) }
}
