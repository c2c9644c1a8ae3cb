import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { pino } from 'pino'
import { Registry } from 'prom-client'
import { busSettings } from '../../src/platform/bus/config.js'
import { createRabbitBus } from '../../src/platform/bus/rabbit-bus.js'
import { busFixture, cleanupScope, counterValue, effectConsumer, effects, FAST_EVENTS, histogramCount, until } from '../helpers/events.js'
import { blockPublishers, startPrivateBroker } from '../helpers/rabbitmq.js'
import { servers } from '../helpers/servers.js'

describe('outbox relay (PostgreSQL + RabbitMQ)', () => {
  test('two relays on one outbox share the work and never let a later event of an aggregate overtake an earlier one', async (t) => {
    const f = await busFixture(t, 'rabbitmq', { OUTBOX_BATCH_SIZE: 5 })
    // A second instance of the producing service: its own connections, same database.
    const otherRegistry = new Registry()
    const other = await createRabbitBus({
      url: servers.amqpUrl,
      name: 'second-instance',
      settings: busSettings({ ...f.names!.env, ...FAST_EVENTS, OUTBOX_BATCH_SIZE: 5 }),
      log: pino({ level: 'silent' }),
      registry: otherRegistry,
    })
    f.scope.after(() => other.close())
    await f.bus.subscribe(effectConsumer(f, { queue: 'alpha', prefetch: 1 }))

    // Each aggregate's events are consecutive rows, so two relays taking rows
    // by seq alone would split an aggregate between them.
    const expected = new Map<string, string[]>()
    for (let i = 0; i < 30; i++) {
      const { orderId, eventId } = await f.producer.placeOrder()
      const ids = [eventId]
      for (const type of ['order.paid', 'order.shipped', 'order.delivered'] as const) {
        ids.push(await f.producer.appendOrderEvent(orderId, type as 'order.paid', { orderId, userId: 'u', customerEmail: 'a@example.com', paymentId: 'p', total: { amount: 1, currency: 'EUR' } }))
      }
      expected.set(orderId, ids)
    }
    await Promise.all([f.bus.startRelay(f.db, 'testorders'), other.startRelay(f.db, 'testorders')])
    await until('120 events handled', async () => ((await effects(f.db)).length === 120 ? true : undefined), 60_000)

    const seen = new Map<string, string[]>()
    for (const e of await effects(f.db)) seen.set(e.aggregate_id, [...(seen.get(e.aggregate_id) ?? []), e.event_id])
    assert.deepEqual(seen, expected)
    const mine = await counterValue(f.registry, 'events_relayed_total', { schema: 'testorders', result: 'published' })
    const theirs = await counterValue(otherRegistry, 'events_relayed_total', { schema: 'testorders', result: 'published' })
    assert.ok(mine > 0 && theirs > 0, `both relays published (${mine} + ${theirs})`)
    assert.equal(mine + theirs, 120, 'each event published once')
  })

  test('while the broker blocks publishers the relay publishes nothing and makes no hot loop; it resumes when unblocked', async (t) => {
    // A memory alarm blocks every publisher of a node: this test gets a node of its own.
    const scope = cleanupScope(t)
    const broker = await startPrivateBroker(scope)
    const f = await busFixture(scope, 'rabbitmq', { EVENTS_CONFIRM_TIMEOUT_MS: 1000 }, { broker })
    await f.bus.subscribe(effectConsumer(f, { queue: 'alpha' }))
    await f.bus.startRelay(f.db, 'testorders')
    for (let i = 0; i < 3; i++) await f.producer.placeOrder()
    await until('the first orders flow', async () => ((await effects(f.db)).length === 3 ? true : undefined))

    const lift = await blockPublishers(broker, f.scope)
    const batchesBefore = await histogramCount(f.registry, 'events_relay_batch_seconds')
    for (let i = 0; i < 20; i++) await f.producer.placeOrder()
    await until('the relay sees the block', async () => ((await counterValue(f.registry, 'events_broker_blocked', { connection: 'test:publish' })) === 1 ? true : undefined), 15_000)
    await new Promise((r) => setTimeout(r, 2000))
    const batchesBlocked = (await histogramCount(f.registry, 'events_relay_batch_seconds')) - batchesBefore
    assert.equal((await effects(f.db)).length, 3, 'nothing got through while blocked')
    assert.equal((await f.producer.counts()).unpublished, 20, 'nothing marked published while blocked')
    assert.ok(batchesBlocked >= 1 && batchesBlocked <= 3, `${batchesBlocked} relay batches while blocked`)

    await lift()
    await until('the backlog drains after the block', async () => ((await effects(f.db)).length === 23 ? true : undefined), 30_000)
    await until('all published', async () => ((await f.producer.counts()).unpublished === 0 ? true : undefined))
    assert.equal(new Set((await effects(f.db)).map((e) => e.event_id)).size, 23)
  })
})
