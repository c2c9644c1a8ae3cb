import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { buildTestApp } from '../helpers/build-app.js'

/** Every timer and consumer of a process is a worker of some service's definition, switched by BACKGROUND_WORKERS. */
describe('background workers', () => {
  test('the whole shop runs every consumer, periodic job and outbox relay its services define', async (t) => {
    const built = await buildTestApp(t)
    assert.deepEqual(built.workers, [
      'product:consumer',
      'notification:consumer',
      'product:reservation-sweep',
      'product:image-sweep',
      'product:demo-images',
      'cart:cart-sweep',
      'order:order-sweep',
      'auth:auth-purge',
      'product:outbox-relay',
      'order:outbox-relay',
      'auth:outbox-relay',
    ])
  })

  test('BACKGROUND_WORKERS=false starts none of them: no consumer, no relay, no sweep or purge timer', async (t) => {
    const built = await buildTestApp(t, { env: { BACKGROUND_WORKERS: 'false' } })
    assert.deepEqual(built.workers, [])
  })

  test('one service alone runs only its own workers', async (t) => {
    const built = await buildTestApp(t, { services: 'order' })
    assert.deepEqual(built.workers, ['order:order-sweep', 'order:outbox-relay'])
  })
})
