import assert from 'node:assert/strict'
import { test } from 'node:test'
import { buildTestApp } from '../helpers/build-app.js'
import { startChild, type Child } from '../helpers/children.js'
import { cleanupScope, counterValue, until } from '../helpers/events.js'
import { createTestProducer } from '../helpers/outbox-producer.js'
import { queueDepth, uniqueBusNames } from '../helpers/rabbitmq.js'
import { startSmtpServer } from '../helpers/smtp.js'

const ORDERS = 1000
const ROLLED_BACK = 50
const KILL_EVERY_MS = 2000

test('1,000 orders placed while the relay process is SIGKILLed every 2 s: each committed order gets exactly one e-mail', async (t) => {
  const scope = cleanupScope(t)
  const smtp = await startSmtpServer(scope)
  const names = uniqueBusNames(scope, ['notification'])
  // The notification service, consuming from RabbitMQ and mailing through the test's SMTP server.
  const { deps, config, app } = await buildTestApp(scope, {
    adapters: 'real',
    services: 'notification',
    env: { ...names.env, SMTP_URL: smtp.url, NOTIFICATION_CONCURRENCY: '16', EVENTS_RETRY_BASE_MS: '100' },
  })
  const producer = await createTestProducer(deps.db)

  // The relay alone in a child process, killed with SIGKILL every 2 s and started again.
  const relayEnv = { DATABASE_URL: String(config.DATABASE_URL), ...names.env, OUTBOX_SCHEMA: 'testorders', OUTBOX_POLL_MS: '20', OUTBOX_BATCH_SIZE: '50', LOG_LEVEL: 'silent' }
  let relay: Child = startChild('test/helpers/relay-child.ts', relayEnv, 'relay ready')
  let kills = 0
  let killing = true
  const killer = (async () => {
    while (killing) {
      await new Promise((r) => setTimeout(r, KILL_EVERY_MS))
      if (!killing) break
      await relay.kill()
      kills++
      relay = startChild('test/helpers/relay-child.ts', relayEnv, 'relay ready')
    }
  })()
  scope.after(async () => {
    killing = false
    await killer
    await relay.kill()
  })

  // Orders arrive over ~10 s, 8 at a time; some transactions roll back.
  const committed: string[] = []
  const rolledBack: string[] = []
  const plan = [...Array.from({ length: ORDERS }, () => false), ...Array.from({ length: ROLLED_BACK }, () => true)].sort(() => Math.random() - 0.5)
  const started = Date.now()
  for (let i = 0; i < plan.length; i += 8) {
    const batch = await Promise.all(plan.slice(i, i + 8).map((rollback) => producer.placeOrder({ rollback }).then((o) => ({ ...o, rollback }))))
    for (const o of batch) (o.rollback ? rolledBack : committed).push(o.eventId)
    const due = started + ((i + 8) / plan.length) * 10_000
    if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()))
  }
  // Two more kills while the backlog drains, then the last relay is left alive.
  const killsAfterOrders = kills + 2
  await until('two more kills', () => (kills >= killsAfterOrders ? true : undefined), 20_000)
  killing = false
  await killer

  await until(`${ORDERS} e-mails`, () => (smtp.received.length >= ORDERS ? true : undefined), 120_000, 200)
  await until('the outbox is published', async () => ((await producer.counts()).unpublished === 0 ? true : undefined), 30_000)
  await until('the queue is drained', async () => ((await queueDepth(names.queue('notification'))) === 0 ? true : undefined), 30_000)
  // Late duplicates would arrive now.
  await new Promise((r) => setTimeout(r, 1000))

  const counts = smtp.countByEvent()
  assert.ok(kills >= 6, `the relay was killed ${kills} times`)
  assert.equal(smtp.received.length, ORDERS, 'one e-mail per committed order, no more')
  assert.deepEqual(
    committed.filter((id) => counts.get(id) !== 1),
    [],
    'every committed order has exactly one e-mail',
  )
  assert.deepEqual(rolledBack.filter((id) => counts.has(id)), [], 'no rolled-back order has an e-mail')
  const { rows } = await deps.db.query<{ status: string; n: number }>('select status, count(*)::int as n from notifications.deliveries group by status')
  assert.deepEqual(rows, [{ status: 'sent', n: ORDERS }])
  const duplicates = await counterValue(deps.metrics.registry, 'events_consumed_total', { queue: 'notification', result: 'duplicate' })
  t.diagnostic(`relay killed ${kills} times; ${duplicates} events published twice were dropped by the inbox`)
  assert.equal((await app.inject({ method: 'GET', url: '/api/notifications/health' })).statusCode, 200)
})
