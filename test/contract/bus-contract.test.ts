import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { PermanentEventError } from '../../src/platform/bus/bus.js'
import { busFixture, counterValue, effectConsumer, effects, until, type Adapter } from '../helpers/events.js'

/** One contract, both adapters of the bus port: RabbitMQ (the real broker npm test starts) and the embedded one. */
for (const adapter of ['embedded', 'rabbitmq'] as const satisfies Adapter[]) {
  describe(`event bus contract (${adapter})`, () => {
    test('a committed event is delivered once to every queue whose patterns match, then marked published', async (t) => {
      const f = await busFixture(t, adapter)
      await f.bus.subscribe(effectConsumer(f, { queue: 'alpha', patterns: ['order.*'] }))
      await f.bus.subscribe(effectConsumer(f, { queue: 'beta', patterns: ['order.placed'], schema: 'testconsumer2' }))
      let gamma = 0
      await f.bus.subscribe({ queue: 'gamma', patterns: ['user.*'], handle: async () => void gamma++ })
      const placed = await Promise.all(Array.from({ length: 5 }, () => f.producer.placeOrder()))
      await f.bus.startRelay(f.db, 'testorders')

      const ids = placed.map((p) => p.eventId).sort()
      await until('both queues handled the 5 events', async () => ((await effects(f.db)).length === 5 && (await effects(f.db, 'testconsumer2')).length === 5 ? true : undefined))
      await until('the outbox is published', async () => ((await f.producer.counts()).unpublished === 0 ? true : undefined))
      assert.deepEqual((await effects(f.db)).map((e) => e.event_id).sort(), ids)
      assert.deepEqual((await effects(f.db, 'testconsumer2')).map((e) => e.event_id).sort(), ids)
      assert.equal(gamma, 0)
    })

    test('queueStats: events waiting for a busy consumer count as ready, the one in its hands does not', async (t) => {
      const f = await busFixture(t, adapter)
      let release!: () => void
      const gate = new Promise<void>((resolve) => (release = resolve))
      let started = 0
      await f.bus.subscribe({ queue: 'alpha', patterns: ['order.*'], prefetch: 1, handle: async () => void (started++, await gate) })
      try {
        await Promise.all([1, 2, 3].map(() => f.producer.placeOrder()))
        await f.bus.startRelay(f.db, 'testorders')
        const stats = await until('two events wait while one is handled', async () => {
          const s = await f.bus.queueStats('alpha')
          return started === 1 && s.ready === 2 ? s : undefined
        })
        assert.equal(stats.consumers, 1)
        assert.equal(stats.deadLetters, 0)
      } finally {
        release()
      }
      await until('all three are handled', async () => ((await f.bus.queueStats('alpha')).ready === 0 && started === 3 ? true : undefined))
    })

    test('an event whose transaction rolled back is never delivered', async (t) => {
      const f = await busFixture(t, adapter)
      await f.bus.subscribe(effectConsumer(f, { queue: 'alpha' }))
      const kept = [await f.producer.placeOrder(), await f.producer.placeOrder({ rollback: true }), await f.producer.placeOrder(), await f.producer.placeOrder({ rollback: true })]
      await f.bus.startRelay(f.db, 'testorders')
      await until('the committed events are handled', async () => ((await effects(f.db)).length >= 2 ? true : undefined))
      await new Promise((r) => setTimeout(r, 300))
      assert.deepEqual((await effects(f.db)).map((e) => e.event_id).sort(), [kept[0]!.eventId, kept[2]!.eventId].sort())
      assert.deepEqual(await f.producer.counts(), { orders: 2, unpublished: 0, published: 2 })
    })

    test('the events of one aggregate arrive in the order they were committed', async (t) => {
      const f = await busFixture(t, adapter)
      await f.bus.subscribe(effectConsumer(f, { queue: 'alpha', prefetch: 1 }))
      const orders = await Promise.all(Array.from({ length: 8 }, () => f.producer.placeOrder()))
      const expected = new Map(orders.map((o) => [o.orderId, [o.eventId]]))
      for (const step of ['order.paid', 'order.shipped'] as const) {
        for (const o of orders) {
          const payload = { orderId: o.orderId, userId: 'u', customerEmail: 'a@example.com', paymentId: 'p', total: { amount: 1, currency: 'EUR' } }
          expected.get(o.orderId)!.push(await f.producer.appendOrderEvent(o.orderId, step, payload))
        }
      }
      await f.bus.startRelay(f.db, 'testorders')
      await until('all 24 events are handled', async () => ((await effects(f.db)).length === 24 ? true : undefined))
      const seen = new Map<string, string[]>()
      for (const e of await effects(f.db)) seen.set(e.aggregate_id, [...(seen.get(e.aggregate_id) ?? []), e.event_id])
      assert.deepEqual(seen, expected)
    })

    test('a failing handler is retried with back-off and its effect happens once', async (t) => {
      const f = await busFixture(t, adapter)
      const attempts: number[] = []
      await f.bus.subscribe(
        effectConsumer(f, {
          queue: 'alpha',
          before: () => {
            attempts.push(Date.now())
            if (attempts.length < 3) throw new Error('database hiccup')
          },
        }),
      )
      await f.producer.placeOrder()
      await f.bus.startRelay(f.db, 'testorders')
      await until('the event is handled', async () => ((await effects(f.db)).length === 1 ? true : undefined))
      await new Promise((r) => setTimeout(r, 300))
      assert.equal(attempts.length, 3)
      assert.equal((await effects(f.db)).length, 1)
      // Back-off: 50 ms, then 100 ms, each with ±25 % jitter; no hot loop.
      assert.ok(attempts[1]! - attempts[0]! >= 35, `first retry after ${attempts[1]! - attempts[0]!} ms`)
      assert.ok(attempts[2]! - attempts[1]! >= 70, `second retry after ${attempts[2]! - attempts[1]!} ms`)
    })

    test('a poison event is dead-lettered after the delivery limit, without holding back the events behind it', async (t) => {
      const f = await busFixture(t, adapter, { EVENTS_RETRY_BASE_MS: 200, EVENTS_RETRY_MAX_MS: 1000 })
      const poisonTries: number[] = []
      let poisonId = ''
      let lastGood = 0
      await f.bus.subscribe(
        effectConsumer(f, {
          queue: 'alpha',
          before: (e) => {
            if (e.id === poisonId) poisonTries.push(Date.now())
            else lastGood = Date.now()
          },
        }),
      )
      for (let i = 0; i < 50; i++) await f.producer.placeOrder()
      // A producer on a newer payload version than this consumer knows.
      poisonId = await f.producer.appendRaw({ type: 'order.placed', version: 99, payload: { orderId: 'x' } })
      for (let i = 0; i < 50; i++) await f.producer.placeOrder()
      await f.bus.startRelay(f.db, 'testorders')

      await until('one dead letter', async () => ((await f.bus.queueStats('alpha')).deadLetters === 1 ? true : undefined))
      const deadAt = Date.now()
      await until('the 100 good events are handled', async () => ((await effects(f.db)).length === 100 ? true : undefined))
      assert.equal(poisonTries.length, 0, 'the unknown version never reaches the handler')
      assert.ok(lastGood < deadAt, 'the events behind the poison were not held until it died')
      assert.equal((await f.bus.queueStats('alpha')).deadLetters, 1)
      assert.equal(await counterValue(f.registry, 'events_consumed_total', { queue: 'alpha', result: 'failed' }), f.settings.deliveryLimit + 1)
      assert.ok((await effects(f.db)).every((e) => e.event_id !== poisonId))
    })

    test('dead letters replayed after a fix are handled and leave the dead-letter queue', async (t) => {
      const f = await busFixture(t, adapter)
      const stop = await f.bus.subscribe(effectConsumer(f, { queue: 'alpha' }))
      const poisonId = await f.producer.appendRaw({ type: 'order.placed', version: 2, payload: { orderId: 'x' } })
      await f.bus.startRelay(f.db, 'testorders')
      await until('the poison is dead-lettered', async () => ((await f.bus.queueStats('alpha')).deadLetters === 1 ? true : undefined))

      // The fix: a consumer that understands version 2.
      await stop()
      await f.bus.subscribe(effectConsumer(f, { queue: 'alpha', versions: [1, 2] }))
      assert.equal(await f.bus.replayDeadLetters('alpha'), 1)
      await until('the replayed event is handled', async () => ((await effects(f.db)).length === 1 ? true : undefined))
      assert.equal((await effects(f.db))[0]!.event_id, poisonId)
      await until('the dead-letter queue is empty', async () => ((await f.bus.queueStats('alpha')).deadLetters === 0 ? true : undefined))
    })

    test('a permanent failure is dead-lettered at once, without retries', async (t) => {
      const f = await busFixture(t, adapter)
      let tries = 0
      await f.bus.subscribe(
        effectConsumer(f, {
          queue: 'alpha',
          before: () => {
            tries++
            throw new PermanentEventError('MAIL_REJECTED', 'mailbox does not exist', 422)
          },
        }),
      )
      await f.producer.placeOrder()
      await f.bus.startRelay(f.db, 'testorders')
      await until('one dead letter', async () => ((await f.bus.queueStats('alpha')).deadLetters === 1 ? true : undefined))
      await new Promise((r) => setTimeout(r, 300))
      assert.equal(tries, 1)
      assert.equal((await effects(f.db)).length, 0)
    })

    test('an event no queue is bound to stays unpublished until a queue is bound, then is delivered', async (t) => {
      const f = await busFixture(t, adapter)
      await f.bus.subscribe(effectConsumer(f, { queue: 'alpha', patterns: ['user.*'] }))
      const { eventId } = await f.producer.placeOrder()
      await f.bus.startRelay(f.db, 'testorders')
      const row = await until('the publish is refused as unroutable', async () => {
        const { rows } = await f.db.query<{ published_at: Date | null; last_error: string | null; attempts: number }>(
          'select published_at, last_error, attempts from testorders.outbox where id = $1',
          [eventId],
        )
        return rows[0]!.last_error ? rows[0]! : undefined
      })
      assert.equal(row.published_at, null)
      assert.match(row.last_error!, /unroutable/)

      await f.bus.subscribe(effectConsumer(f, { queue: 'beta', patterns: ['order.*'], schema: 'testconsumer2' }))
      await until('the event reaches the new queue', async () => ((await effects(f.db, 'testconsumer2')).length === 1 ? true : undefined))
      await until('the row is published', async () => ((await f.producer.counts()).unpublished === 0 ? true : undefined))
    })

    test('an event delivered twice has one effect', async (t) => {
      const f = await busFixture(t, adapter)
      await f.bus.subscribe(effectConsumer(f, { queue: 'alpha' }))
      const { eventId } = await f.producer.placeOrder()
      await f.bus.startRelay(f.db, 'testorders')
      await until('handled', async () => ((await effects(f.db)).length === 1 ? true : undefined))
      await until('published', async () => ((await f.producer.counts()).unpublished === 0 ? true : undefined))
      // As if the relay died after the broker's confirm and before its commit: the row goes out again.
      await f.db.query('update testorders.outbox set published_at = null where id = $1', [eventId])
      await until('the duplicate is seen', async () =>
        (await counterValue(f.registry, 'events_consumed_total', { queue: 'alpha', result: 'duplicate' })) === 1 ? true : undefined,
      )
      assert.equal((await effects(f.db)).length, 1)
    })
  })
}
