import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { buildTestApp, METRICS_AUTH } from '../helpers/build-app.js'
import { cleanupScope, until, type Scope } from '../helpers/events.js'
import { createTestProducer } from '../helpers/outbox-producer.js'
import { uniqueBusNames } from '../helpers/rabbitmq.js'
import { startSmtpServer } from '../helpers/smtp.js'

/** The notification service on PostgreSQL and RabbitMQ, mailing through a real SMTP server the test runs. */
async function notificationWithSmtp(scope: Scope) {
  const smtp = await startSmtpServer(scope)
  const names = uniqueBusNames(scope, ['notification'])
  const built = await buildTestApp(scope, {
    adapters: 'real',
    services: 'notification',
    env: { ...names.env, SMTP_URL: smtp.url, EVENTS_DELIVERY_LIMIT: '4', EVENTS_RETRY_BASE_MS: '100', EVENTS_RETRY_MAX_MS: '1000', OUTBOX_POLL_MS: '20' },
  })
  const producer = await createTestProducer(built.deps.db)
  await built.deps.bus.startRelay(built.deps.db, 'testorders')
  const delivery = async (eventId: string) => {
    const { rows } = await built.deps.db.query<{ status: string; attempts: number; outcomes: string[]; template: string; recipient: string }>(
      `select d.status, d.attempts, d.template, d.recipient, array_agg(a.outcome order by a.attempt) as outcomes
         from notifications.deliveries d join notifications.delivery_attempts a on a.delivery_id = d.id
        where d.event_id = $1 group by d.id`,
      [eventId],
    )
    return rows[0]
  }
  return { smtp, built, producer, delivery }
}

describe('notification service with SMTP', () => {
  test('an order confirmation goes out by SMTP with the order, a stable Message-ID and the event id', async (t) => {
    const { smtp, producer, delivery } = await notificationWithSmtp(cleanupScope(t))
    const { eventId, orderId } = await producer.placeOrder({ email: 'ada@example.com' })
    await until('the e-mail', () => (smtp.received.length === 1 ? true : undefined))
    const mail = smtp.received[0]!
    assert.deepEqual(mail.to, ['ada@example.com'])
    assert.match(mail.headers.subject!, new RegExp(`order ${orderId.slice(0, 8).toUpperCase()}`))
    assert.equal(mail.headers['message-id'], `<${eventId}.order-confirmation@emporium.localhost>`)
    assert.equal(mail.headers['x-emporium-event-id'], eventId)
    assert.match(mail.raw, /Walnut desk/)
    assert.match(mail.raw, /258\.00/) // quoted-printable: the euro sign is encoded
    await until('recorded as sent', async () => ((await delivery(eventId))?.status === 'sent' ? true : undefined))
    assert.deepEqual(await delivery(eventId), { status: 'sent', attempts: 1, template: 'order-confirmation', recipient: 'ada@example.com', outcomes: ['sent'] })
  })

  test('a transient SMTP failure (451) is retried with back-off; the e-mail goes out once and every attempt is recorded', async (t) => {
    const { smtp, producer, delivery } = await notificationWithSmtp(cleanupScope(t))
    const tries: number[] = []
    smtp.reply = () => {
      tries.push(Date.now())
      return tries.length <= 2 ? { code: 451, message: 'greylisted, try later' } : undefined
    }
    const { eventId } = await producer.placeOrder()
    await until('the e-mail', () => (smtp.received.length === 1 ? true : undefined))
    await until('recorded as sent', async () => ((await delivery(eventId))?.status === 'sent' ? true : undefined))
    await new Promise((r) => setTimeout(r, 500))
    assert.equal(smtp.received.length, 1)
    assert.equal(tries.length, 3)
    assert.ok(tries[1]! - tries[0]! >= 75 && tries[2]! - tries[1]! >= 150, `retried after ${tries[1]! - tries[0]!} and ${tries[2]! - tries[1]!} ms`)
    assert.deepEqual((await delivery(eventId))?.outcomes, ['failed', 'failed', 'sent'])
  })

  test('an address the mail server refuses (550) is dead-lettered at once, and sent after a fix and a replay', async (t) => {
    const { smtp, built, producer, delivery } = await notificationWithSmtp(cleanupScope(t))
    let refuse = true
    smtp.reply = () => (refuse ? { code: 550, message: 'no such mailbox' } : undefined)
    const { eventId } = await producer.placeOrder()
    await until('one dead letter', async () => ((await built.deps.bus.queueStats('notification')).deadLetters === 1 ? true : undefined))
    assert.equal(smtp.attempts.length, 1, 'no retry of a permanent refusal')
    assert.equal(smtp.received.length, 0)
    assert.deepEqual(await delivery(eventId), { status: 'rejected', attempts: 1, template: 'order-confirmation', recipient: (await delivery(eventId))!.recipient, outcomes: ['rejected'] })

    refuse = false
    assert.equal(await built.deps.bus.replayDeadLetters('notification'), 1)
    await until('the e-mail after the replay', () => (smtp.received.length === 1 ? true : undefined))
    await until('recorded as sent', async () => ((await delivery(eventId))?.status === 'sent' ? true : undefined))
    assert.deepEqual((await delivery(eventId))?.outcomes, ['rejected', 'sent'])
    assert.equal((await built.deps.bus.queueStats('notification')).deadLetters, 0)
  })

  test('an event with a malformed payload is dead-lettered after the delivery limit and mails nobody', async (t) => {
    const { smtp, built, producer } = await notificationWithSmtp(cleanupScope(t))
    await producer.appendRaw({ type: 'order.placed', payload: { orderId: 'o-1', lines: 'not a list' } })
    const { eventId } = await producer.placeOrder()
    await until('one dead letter', async () => ((await built.deps.bus.queueStats('notification')).deadLetters === 1 ? true : undefined), 20_000)
    await until('the good order is mailed', () => (smtp.received.length === 1 ? true : undefined))
    assert.equal(smtp.received[0]!.headers['x-emporium-event-id'], eventId)
    const { rows } = await built.deps.db.query<{ n: number }>('select count(*)::int as n from notifications.deliveries')
    assert.equal(rows[0]!.n, 1)
  })

  test('events that mail nobody (order.delivered) are acknowledged without an e-mail', async (t) => {
    const { smtp, built, producer } = await notificationWithSmtp(cleanupScope(t))
    const { orderId } = await producer.placeOrder()
    await producer.appendRaw({ type: 'order.delivered', aggregateId: orderId, payload: { orderId, userId: 'u', customerEmail: 'a@example.com' } })
    await until('both events handled', async () => ((await producer.counts()).unpublished === 0 ? true : undefined))
    await until('the queue is empty', async () => ((await built.deps.bus.queueStats('notification')).ready === 0 ? true : undefined))
    await new Promise((r) => setTimeout(r, 300))
    assert.equal(smtp.received.length, 1)
    assert.equal((await built.deps.bus.queueStats('notification')).deadLetters, 0)
  })

  test('/dev/mail is not mounted when SMTP_URL is set', async (t) => {
    const { built } = await notificationWithSmtp(cleanupScope(t))
    const res = await built.app.inject({ method: 'GET', url: '/dev/mail' })
    assert.equal(res.statusCode, 404)
    assert.equal(res.json().error.code, 'ROUTE_NOT_FOUND')
  })

  test('health reports the database and the broker; /metrics counts the e-mails by template and result', async (t) => {
    const { smtp, built, producer } = await notificationWithSmtp(cleanupScope(t))
    await producer.placeOrder()
    await until('the e-mail', () => (smtp.received.length === 1 ? true : undefined))
    const health = await built.app.inject({ method: 'GET', url: '/api/notifications/health' })
    assert.equal(health.statusCode, 200)
    assert.deepEqual(health.json().checks, { database: 'ok', broker: 'ok' }, 'no Redis: the notification service does not use it')
    // The SMTP server has the e-mail before the consumer commits and counts it: wait for the count.
    const processed = /events_consumed_total\{queue="notification",result="processed",service="notification"\} 1/
    const metrics = await until('the processed count', async () => {
      const body = (await built.app.inject({ method: 'GET', url: '/metrics', headers: METRICS_AUTH })).body
      return processed.test(body) ? body : undefined
    })
    assert.match(metrics, /notification_emails_total\{template="order-confirmation",result="sent",service="notification"\} 1/)
  })
})
