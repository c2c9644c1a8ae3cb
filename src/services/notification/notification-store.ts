import type { Db, Queryable } from '../../platform/db/db.js'

/** Every SQL statement of the notification service (schema `notifications`). */

export interface NewDelivery {
  eventId: string
  eventType: string
  template: string
  recipient: string
  subject: string
  messageId: string
}

export type Claim =
  | { action: 'send'; deliveryId: number; attempt: number }
  | { action: 'skip'; deliveryId: number; status: 'sent' | 'uncertain' }

/**
 * Decides, in one committed transaction before any SMTP traffic, whether this
 * delivery of the event may send its e-mail:
 * - no row yet: insert it as 'sending' -> send;
 * - 'sent': the e-mail went out before -> skip;
 * - 'sending': an earlier attempt was interrupted between handing the e-mail
 *   to the server and recording the answer; the server may have it. Marked
 *   'uncertain' and skipped, unless resendUncertain;
 * - 'failed' / 'rejected' (the server said no, nothing was sent) -> send again.
 */
export async function claimDelivery(db: Db, d: NewDelivery, resendUncertain: boolean): Promise<Claim> {
  // The common case, a first delivery, in one statement: the row and its first attempt.
  const inserted = await db.query<{ id: number }>(
    `with d as (
       insert into notifications.deliveries (event_id, event_type, template, recipient, subject, message_id, status, attempts)
       values ($1, $2, $3, $4, $5, $6, 'sending', 1)
       on conflict (event_id, template) do nothing
       returning id
     ), a as (
       insert into notifications.delivery_attempts (delivery_id, attempt) select id, 1 from d on conflict do nothing
     )
     select id from d`,
    [d.eventId, d.eventType, d.template, d.recipient, d.subject, d.messageId],
  )
  if (inserted.rows[0]) return { action: 'send', deliveryId: inserted.rows[0].id, attempt: 1 }
  return db.transaction(async (tx) => {
    const { rows } = await tx.query<{ id: number; status: string; attempts: number }>(
      'select id, status, attempts from notifications.deliveries where event_id = $1 and template = $2 for update',
      [d.eventId, d.template],
    )
    const row = rows[0]!
    if (row.status === 'sent') return { action: 'skip', deliveryId: row.id, status: 'sent' }
    if (row.status === 'sending') await finishAttempt(tx, row.id, row.attempts, 'interrupted', 'no answer recorded: the sender stopped mid-send')
    if ((row.status === 'sending' || row.status === 'uncertain') && !resendUncertain) {
      await tx.query(
        `update notifications.deliveries set status = 'uncertain', updated_at = now(),
           last_error = 'sending was interrupted; the mail server may have the e-mail: not sent again' where id = $1`,
        [row.id],
      )
      return { action: 'skip', deliveryId: row.id, status: 'uncertain' }
    }
    const attempt = row.attempts + 1
    await tx.query(
      `update notifications.deliveries set status = 'sending', attempts = $2, recipient = $3, subject = $4, updated_at = now() where id = $1`,
      [row.id, attempt, d.recipient, d.subject],
    )
    await startAttempt(tx, row.id, attempt)
    return { action: 'send', deliveryId: row.id, attempt }
  })
}

/** The server accepted the e-mail. Unconditional: it is a fact even if a concurrent redelivery marked the row uncertain. */
export async function markSent(q: Queryable, deliveryId: number, attempt: number, response: string): Promise<void> {
  await q.query(
    `with d as (
       update notifications.deliveries set status = 'sent', sent_at = now(), updated_at = now(), last_error = null where id = $1
     )
     update notifications.delivery_attempts set finished_at = now(), outcome = 'sent', response = $3
     where delivery_id = $1 and attempt = $2 and finished_at is null`,
    [deliveryId, attempt, response.slice(0, 1000)],
  )
}

/** The server refused (for now or for good): nothing was sent, a later delivery sends again. */
export async function markFailed(db: Db, deliveryId: number, attempt: number, outcome: 'failed' | 'rejected', error: string): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.query(`update notifications.deliveries set status = $2, last_error = $3, updated_at = now() where id = $1`, [
      deliveryId,
      outcome,
      error.slice(0, 1000),
    ])
    await finishAttempt(tx, deliveryId, attempt, outcome, error)
  })
}

async function startAttempt(q: Queryable, deliveryId: number, attempt: number): Promise<void> {
  await q.query('insert into notifications.delivery_attempts (delivery_id, attempt) values ($1, $2) on conflict do nothing', [deliveryId, attempt])
}

async function finishAttempt(q: Queryable, deliveryId: number, attempt: number, outcome: string, response: string): Promise<void> {
  await q.query(
    `update notifications.delivery_attempts set finished_at = now(), outcome = $3, response = $4
      where delivery_id = $1 and attempt = $2 and finished_at is null`,
    [deliveryId, attempt, outcome, response.slice(0, 1000)],
  )
}
