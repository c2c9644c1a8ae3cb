import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { retryDelay, topicMatches } from '../../src/platform/bus/bus.js'
import { parseEnvelope } from '../../src/platform/events/envelope.js'
import { consumerQueueArguments, topologyNames } from '../../src/platform/bus/topology.js'
import { ORDER_EVENT_QUEUES, type OrderEventType } from '../../src/contracts/events.js'
import { SERVICES } from '../../src/services/registry.js'

describe('bus routing, retry delays and envelopes', () => {
  test('topic patterns match like RabbitMQ: * is one word, # any number', () => {
    const cases: [string, string, boolean][] = [
      ['order.*', 'order.placed', true],
      ['order.*', 'order', false],
      ['order.*', 'order.placed.late', false],
      ['order.#', 'order', true],
      ['order.#', 'order.placed.late', true],
      ['#', 'user.registered', true],
      ['*.registered', 'user.registered', true],
      ['user.*', 'order.placed', false],
      ['order.placed', 'order.placed', true],
    ]
    for (const [pattern, key, expected] of cases) assert.equal(topicMatches(pattern, key), expected, `${pattern} ~ ${key}`)
  })

  test('retry delays double from the base, stay under the cap, and carry jitter', () => {
    const retry = { baseMs: 100, maxMs: 1000 }
    for (let n = 0; n < 8; n++) {
      const d = retryDelay(n, retry)
      const nominal = Math.min(1000, 100 * 2 ** n)
      assert.ok(d >= nominal * 0.75 && d <= nominal * 1.25, `attempt ${n}: ${d} ms`)
    }
    assert.ok(new Set(Array.from({ length: 20 }, () => retryDelay(3, retry))).size > 1, 'jittered')
  })

  test('consumer queues are quorum queues with an explicit delivery limit and at-least-once dead-lettering', () => {
    const s = { exchange: 'emporium.events', queuePrefix: 'prod.', deliveryLimit: 10 }
    assert.deepEqual(consumerQueueArguments(s, 'notification'), {
      'x-queue-type': 'quorum',
      'x-delivery-limit': 10,
      'x-dead-letter-exchange': 'emporium.events.dlx',
      'x-dead-letter-routing-key': 'prod.notification',
      'x-dead-letter-strategy': 'at-least-once',
      'x-overflow': 'reject-publish',
    })
    assert.equal(topologyNames(s).deadLetterQueue('notification'), 'prod.notification.dlq')
  })

  test('a body that is not an event envelope is refused as EVENT_MALFORMED', () => {
    const good = { id: '0f8fad5b-d9cb-469f-a165-70867728950e', type: 'order.placed', aggregate: { type: 'order', id: 'o1' }, occurredAt: '2030-01-01T00:00:00Z', version: 1, payload: {} }
    assert.equal(parseEnvelope(good).id, good.id)
    for (const bad of ['not json', null, { ...good, id: 'nope' }, { ...good, version: 0 }, { ...good, occurredAt: 'yesterday' }, { ...good, payload: 'x' }, { ...good, type: 'Order Placed' }]) {
      assert.throws(() => parseEnvelope(bad), (err: { code?: string }) => err.code === 'EVENT_MALFORMED', JSON.stringify(bad))
    }
  })

  test("ORDER_EVENT_QUEUES (the order service's backlog figure) names exactly the queues subscribed to an order event", () => {
    // Every order event type, checked by the compiler against the contract: a new one must be added here.
    const orderEvents = Object.keys({
      'order.placed': 1, 'order.paid': 1, 'order.payment_failed': 1, 'order.cancelled': 1, 'order.shipped': 1, 'order.delivered': 1,
    } satisfies Record<OrderEventType, 1>)
    const consuming = SERVICES.flatMap((s) => (s.subscription && s.subscription.patterns.some((p) => orderEvents.some((e) => topicMatches(p, e))) ? [s.subscription.queue] : []))
    assert.deepEqual([...ORDER_EVENT_QUEUES].sort(), consuming.sort())
  })
})
