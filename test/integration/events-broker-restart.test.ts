import assert from 'node:assert/strict'
import { test } from 'node:test'
import { pino } from 'pino'
import { Registry } from 'prom-client'
import { busSettings } from '../../src/platform/bus/config.js'
import { createRabbitBus } from '../../src/platform/bus/rabbit-bus.js'
import { openPgClone } from '../helpers/databases.js'
import { cleanupScope, effectConsumer, until } from '../helpers/events.js'
import { createTestConsumerTables, createTestProducer, effectCounts } from '../helpers/outbox-producer.js'
import { startPrivateBroker, stopBroker, uniqueBusNames } from '../helpers/rabbitmq.js'

const EVENTS = 10_000
const PER_TX = 100

test('the broker stopped and started (stop_app / start_app) during 10,000 publishes: none is lost, each has one effect', async (t) => {
  const scope = cleanupScope(t)
  // A node of its own: stopping the shared one would cut every other test file's connections.
  const broker = await startPrivateBroker(scope)
  const db = await openPgClone(scope, { max: 20, min: 0 })
  const producer = await createTestProducer(db)
  await createTestConsumerTables(db)
  const names = uniqueBusNames(scope, ['alpha'], broker)
  const registry = new Registry()
  const settings = busSettings({ ...names.env, EVENTS_RETRY_BASE_MS: 100, OUTBOX_POLL_MS: 20, OUTBOX_BATCH_SIZE: 200 })
  const bus = await createRabbitBus({ url: broker.url, name: 'broker-restart', settings, log: pino({ level: 'silent' }), registry })
  scope.after(() => bus.close())
  const f = { db, registry }
  await bus.subscribe(effectConsumer(f, { queue: 'alpha', prefetch: 50 }))
  await bus.startRelay(db, 'testorders')

  // The shop keeps taking orders whatever the broker does: 100 transactions of 100 orders, over ~8 s.
  let committedWhileDown = 0
  let brokerDown = false
  const producing = (async () => {
    for (let i = 0; i < EVENTS / PER_TX; i++) {
      await producer.placeOrders(PER_TX)
      if (brokerDown) committedWhileDown += PER_TX
      await new Promise((r) => setTimeout(r, 80))
    }
  })()

  await until('a fifth of the events consumed', async () => ((await effectCounts(db)).distinct >= EVENTS / 5 ? true : undefined), 60_000)
  const stoppedAt = Date.now()
  brokerDown = true
  const startBroker = await stopBroker(broker, scope)
  await new Promise((r) => setTimeout(r, 3000))
  const atRestart = (await effectCounts(db)).distinct
  await startBroker()
  brokerDown = false
  const restartedAt = Date.now()
  await producing

  await until(`${EVENTS} events consumed`, async () => ((await effectCounts(db)).distinct === EVENTS ? true : undefined), 180_000, 100)
  const drainedAt = Date.now()
  await until('the outbox is published', async () => ((await producer.counts()).unpublished === 0 ? true : undefined), 30_000)
  await new Promise((r) => setTimeout(r, 1000))

  const counts = await effectCounts(db)
  assert.deepEqual(counts, { effects: EVENTS, distinct: EVENTS }, 'every event once, none twice')
  assert.ok(atRestart < EVENTS, 'events were still on their way when the broker stopped')
  assert.ok(committedWhileDown > 0, 'orders kept committing while the broker was down')
  assert.deepEqual(await bus.queueStats('alpha'), { queue: 'alpha', ready: 0, consumers: 1, deadLetters: 0 })
  t.diagnostic(
    `broker down ${restartedAt - stoppedAt} ms; ${committedWhileDown} orders committed meanwhile; ` +
      `${EVENTS - atRestart} events drained ${drainedAt - restartedAt} ms after start_app`,
  )
})
