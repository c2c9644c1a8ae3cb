import type { Queryable } from '../../platform/db/db.js'

/** The SQL of the Idempotency-Key records of POST /api/orders (table orders.idempotency_keys). */

export interface IdempotencyRow {
  user_id: string
  key: string
  fingerprint: string
  order_id: string
  status: 'in_flight' | 'completed'
  response_status: number | null
  response_body: string | null
  locked: boolean
}

/** Claims the key for this request; undefined when it exists already. */
export async function claimIdempotencyKey(
  q: Queryable,
  k: { userId: string; key: string; fingerprint: string; orderId: string; lockMs: number },
): Promise<boolean> {
  const r = await q.query(
    `insert into orders.idempotency_keys (user_id, key, fingerprint, order_id, status, locked_until)
     values ($1, $2, $3, $4, 'in_flight', now() + make_interval(secs => $5::double precision / 1000))
     on conflict (user_id, key) do nothing`,
    [k.userId, k.key, k.fingerprint, k.orderId, k.lockMs],
  )
  return r.rowCount === 1
}

export async function findIdempotencyKey(q: Queryable, userId: string, key: string): Promise<IdempotencyRow | undefined> {
  const { rows } = await q.query<IdempotencyRow>(
    `select user_id, key, fingerprint, order_id, status, response_status, response_body, locked_until > now() as locked
     from orders.idempotency_keys where user_id = $1 and key = $2`,
    [userId, key],
  )
  return rows[0]
}

/** Takes over an in-flight key whose holder stopped (its lock expired); false when someone else holds it. */
export async function takeOverIdempotencyKey(q: Queryable, userId: string, key: string, lockMs: number): Promise<boolean> {
  const r = await q.query(
    `update orders.idempotency_keys set locked_until = now() + make_interval(secs => $3::double precision / 1000)
     where user_id = $1 and key = $2 and status = 'in_flight' and locked_until <= now()`,
    [userId, key, lockMs],
  )
  return r.rowCount === 1
}

export async function completeIdempotencyKey(q: Queryable, userId: string, key: string, status: number, body: string): Promise<void> {
  await q.query(
    `update orders.idempotency_keys set status = 'completed', response_status = $3, response_body = $4 where user_id = $1 and key = $2`,
    [userId, key, status, body],
  )
}

export async function deleteIdempotencyKey(q: Queryable, userId: string, key: string): Promise<void> {
  await q.query(`delete from orders.idempotency_keys where user_id = $1 and key = $2 and status = 'in_flight'`, [userId, key])
}

export async function unlockIdempotencyKey(q: Queryable, userId: string, key: string): Promise<void> {
  await q.query(`update orders.idempotency_keys set locked_until = now() where user_id = $1 and key = $2 and status = 'in_flight'`, [userId, key])
}

export async function deleteOldIdempotencyKeys(q: Queryable, olderThanSeconds: number): Promise<number> {
  const r = await q.query(
    `delete from orders.idempotency_keys where created_at < now() - make_interval(secs => $1) and (status = 'completed' or locked_until < now())`,
    [olderThanSeconds],
  )
  return r.rowCount
}
