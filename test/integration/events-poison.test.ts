import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { test } from 'node:test'
import { busFixture, effectConsumer, effects, until } from '../helpers/events.js'
import { publishRaw, queueDepth } from '../helpers/rabbitmq.js'

test('1 poison message among 100 events (not even JSON, from a broken producer): the 100 are processed, the dead-letter queue holds exactly 1, with no hot loop', async (t) => {
  const f = await busFixture(t, 'rabbitmq', { EVENTS_DELIVERY_LIMIT: 3, EVENTS_RETRY_BASE_MS: 150, EVENTS_RETRY_MAX_MS: 1000 })
  const poisonId = randomUUID()
  const poisonDeliveries: { at: number; deliveryCount: number }[] = []
  const consumer = effectConsumer(f, { queue: 'alpha' })
  await f.bus.subscribe({
    ...consumer,
    async handle(delivery) {
      if (delivery.messageId === poisonId) poisonDeliveries.push({ at: Date.now(), deliveryCount: delivery.deliveryCount })
      return consumer.handle(delivery)
    },
  })
  for (let i = 0; i < 50; i++) await f.producer.placeOrder()
  await publishRaw(f.names!.exchange, 'order.placed', Buffer.from('{"id": "broken'), poisonId)
  for (let i = 0; i < 50; i++) await f.producer.placeOrder()
  await f.bus.startRelay(f.db, 'testorders')

  await until('the 100 events are processed', async () => ((await effects(f.db)).length === 100 ? true : undefined))
  await until('one dead letter', async () => ((await f.bus.queueStats('alpha')).deadLetters === 1 ? true : undefined))
  await new Promise((r) => setTimeout(r, 500))

  assert.equal((await effects(f.db)).length, 100)
  assert.equal(await queueDepth(f.names!.deadLetterQueue('alpha')), 1)
  assert.equal(await queueDepth(f.names!.queue('alpha')), 0)
  // Delivered once, then retried up to the limit, each after a growing delay.
  assert.deepEqual(poisonDeliveries.map((d) => d.deliveryCount), [0, 1, 2, 3])
  const gaps = poisonDeliveries.slice(1).map((d, i) => d.at - poisonDeliveries[i]!.at)
  assert.ok(gaps[0]! >= 110 && gaps[1]! >= 225 && gaps[2]! >= 450, `gaps between deliveries: ${gaps.join(', ')} ms`)
})
