import assert from 'node:assert/strict'
import { test } from 'node:test'
import { pino } from 'pino'
import { Registry } from 'prom-client'
import { busSettings } from '../../src/platform/bus/config.js'
import { createRabbitBus } from '../../src/platform/bus/rabbit-bus.js'
import { createPgDb } from '../../src/platform/db/pg-db.js'
import { startChild, type Child } from '../helpers/children.js'
import { clonePgDatabase } from '../helpers/databases.js'
import { cleanupScope, until } from '../helpers/events.js'
import { createTestProducer } from '../helpers/outbox-producer.js'
import { queueDepth, uniqueBusNames } from '../helpers/rabbitmq.js'
import { servers } from '../helpers/servers.js'
import { startSmtpServer } from '../helpers/smtp.js'

const ORDERS = 12

test('a notification instance killed after the mail server took an e-mail, or after its commit and before its ack: the redelivery sends no second e-mail', async (t) => {
  const scope = cleanupScope(t)
  const smtp = await startSmtpServer(scope)
  const names = uniqueBusNames(scope, ['notification'])
  const url = await clonePgDatabase(scope)
  const db = createPgDb({ url, max: 5, min: 0, applicationName: 'crash-test' })
  scope.after(() => db.close())
  const producer = await createTestProducer(db)
  const bus = await createRabbitBus({
    url: servers.amqpUrl,
    name: 'crash-test',
    settings: busSettings({ ...names.env, OUTBOX_POLL_MS: 20, EVENTS_RETRY_BASE_MS: 50 }),
    log: pino({ level: 'silent' }),
    registry: new Registry(),
  })
  scope.after(() => bus.close())

  const orders = []
  for (let i = 0; i < ORDERS; i++) orders.push(await producer.placeOrder())
  const crashInSend = orders[3]!.eventId // killed when the SMTP server has the whole message, before it answers
  const crashBeforeAck = orders[7]!.eventId // killed after the handler committed, before the ack

  const children = new Set<Child>()
  scope.after(async () => {
    for (const c of children) await c.kill()
  })
  // One e-mail at a time per instance: the crash interrupts exactly one delivery.
  const env = { DATABASE_URL: url, ...names.env, SMTP_URL: smtp.url, NOTIFICATION_CONCURRENCY: '1', EVENTS_RETRY_BASE_MS: '50', LOG_LEVEL: 'silent' }
  const instance = async (extra: Record<string, string> = {}) => {
    const c = startChild('test/helpers/notification-child.ts', { ...env, ...extra }, 'notification ready')
    children.add(c)
    await c.ready
    return c
  }

  let first: Child | undefined
  smtp.reply = async (mail) => {
    if (mail.headers['x-emporium-event-id'] === crashInSend && first && first.process.exitCode === null && first.process.signalCode === null) {
      await first.kill()
    }
    return undefined
  }
  first = await instance()
  await bus.startRelay(db, 'testorders')
  assert.equal(await first.exited, null, 'the first instance died by SIGKILL')

  const second = await instance({ KILL_AFTER_HANDLING: crashBeforeAck })
  assert.equal(await second.exited, null, 'the second instance died by SIGKILL')

  // Two instances, as the seed runs them, finish the queue.
  await instance()
  await instance()
  await until('every order processed', async () => {
    const { rows } = await db.query<{ n: number }>('select count(*)::int as n from notifications.inbox')
    return rows[0]!.n === ORDERS ? true : undefined
  })
  await until('the queue is drained', async () => ((await queueDepth(names.queue('notification'))) === 0 ? true : undefined))
  await new Promise((r) => setTimeout(r, 500))

  const counts = smtp.countByEvent()
  assert.deepEqual(
    orders.map((o) => counts.get(o.eventId) ?? 0),
    orders.map(() => 1),
    'each order has exactly one e-mail, the two crashed deliveries included',
  )
  const { rows } = await db.query<{ event_id: string; status: string; attempts: number; outcomes: string[] }>(
    `select d.event_id, d.status, d.attempts, array_agg(a.outcome order by a.attempt) as outcomes
       from notifications.deliveries d join notifications.delivery_attempts a on a.delivery_id = d.id
      group by d.id order by d.id`,
  )
  const byEvent = new Map(rows.map((r) => [r.event_id, r]))
  assert.deepEqual(byEvent.get(crashInSend), { event_id: crashInSend, status: 'uncertain', attempts: 1, outcomes: ['interrupted'] })
  assert.deepEqual(byEvent.get(crashBeforeAck), { event_id: crashBeforeAck, status: 'sent', attempts: 1, outcomes: ['sent'] })
  assert.equal(rows.filter((r) => r.status === 'sent').length, ORDERS - 1)
})
