import assert from 'node:assert/strict'
import { randomBytes, randomUUID } from 'node:crypto'
import { describe, test } from 'node:test'
import { migrate } from '../../src/platform/db/migrate.js'
import { createRedis } from '../../src/platform/redis.js'
import type { AddLine, CartStore, MergeCap } from '../../src/services/cart/cart-store.js'
import { createRedisCartStore } from '../../src/services/cart/redis-cart-store.js'
import { createSqlCartStore } from '../../src/services/cart/sql-cart-store.js'
import { openClone } from '../helpers/databases.js'
import { servers } from '../helpers/servers.js'

type Kind = 'redis' | 'sql-embedded' | 'sql-real'
type Scope = { after: (fn: () => Promise<void>) => void }

const limits = { maxQuantity: 99, maxLines: 100 }
const DAY = 86_400

/** A fresh store of one kind: its own key prefix on the test Redis, or a fresh database clone with the carts schema. */
async function openStore(kind: Kind, t: Scope, ttlSeconds = 30 * DAY): Promise<CartStore> {
  if (kind === 'redis') {
    const redis = await createRedis(servers.redisUrl, { name: 'cart-contract', commandTimeoutMs: 2000 })
    const keyPrefix = `test${randomBytes(4).toString('hex')}:`
    t.after(async () => {
      const keys = await redis.keys(`${keyPrefix}*`)
      if (keys.length) await redis.del(...keys)
      await redis.quit()
    })
    return createRedisCartStore(redis, { keyPrefix, ttlSeconds })
  }
  const db = await openClone(kind === 'sql-real' ? 'real' : 'embedded', t)
  // The templates carry every registered service's migrations; this keeps the suite independent of them.
  await migrate(db, { schema: 'carts', dir: new URL('../../src/services/cart/migrations/', import.meta.url) })
  return createSqlCartStore(db, { ttlSeconds })
}

/** Lines of variant 0 (as stored before variants: the product's only variant) unless o says otherwise. */
const line = (productId: number, quantity: number, o: Partial<AddLine> = {}): AddLine => ({
  productId,
  variantId: 0,
  quantity,
  stock: 50,
  unitPrice: 1000 + productId,
  currency: 'USD',
  ...o,
})

const caps = (entries: [number | string, number, string?][]) => new Map<string, MergeCap>(entries.map(([key, cap, currency]) => [String(key), { cap, currency: currency ?? 'USD' }]))
const ref = (productId: number, variantId = 0) => ({ productId, variantId })

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

for (const kind of ['redis', 'sql-embedded', 'sql-real'] as const) {
  describe(`CartStore port (${kind})`, () => {
    test('a cart nobody made reads as undefined', async (t) => {
      const store = await openStore(kind, t)
      assert.equal(await store.get('g:nobody'), undefined)
    })

    test('adding makes the cart; adding a product again increases its quantity; lines keep their first-add order', async (t) => {
      const store = await openStore(kind, t)
      assert.deepEqual(await store.add('u:1', line(7, 2), limits), { ok: true, quantity: 2 })
      assert.deepEqual(await store.add('u:1', line(3, 1), limits), { ok: true, quantity: 1 })
      assert.deepEqual(await store.add('u:1', line(7, 3, { unitPrice: 999 }), limits), { ok: true, quantity: 5 })
      assert.deepEqual(await store.get('u:1'), {
        currency: 'USD',
        lines: [
          { productId: 7, variantId: 0, quantity: 5, seenPrice: 999 },
          { productId: 3, variantId: 0, quantity: 1, seenPrice: 1003 },
        ],
      })
      assert.equal(await store.get('u:2'), undefined, 'carts are separate')
    })

    test('a refused add writes nothing: quantity limit, stock, full cart, other currency', async (t) => {
      const store = await openStore(kind, t)
      assert.deepEqual(await store.add('u:1', line(1, 100, { stock: 500 }), limits), { ok: false, refusal: 'QUANTITY_LIMIT', quantity: 0 })
      assert.deepEqual(await store.add('u:1', line(1, 4, { stock: 3 }), limits), { ok: false, refusal: 'OUT_OF_STOCK', quantity: 0 })
      assert.equal(await store.get('u:1'), undefined, 'a refused first add leaves no cart behind')
      await store.add('u:1', line(1, 98, { stock: 500 }), limits)
      assert.deepEqual(await store.add('u:1', line(1, 2, { stock: 500 }), limits), { ok: false, refusal: 'QUANTITY_LIMIT', quantity: 98 })
      assert.deepEqual(await store.add('u:1', line(1, 1, { stock: 98 }), limits), { ok: false, refusal: 'OUT_OF_STOCK', quantity: 98 })
      assert.deepEqual(await store.add('u:1', line(2, 1, { currency: 'EUR' }), limits), { ok: false, refusal: 'CURRENCY_MISMATCH', quantity: 0 })
      const small = { maxQuantity: 99, maxLines: 2 }
      await store.add('u:1', line(2, 1), small)
      assert.deepEqual(await store.add('u:1', line(3, 1), small), { ok: false, refusal: 'CART_FULL', quantity: 0 })
      assert.deepEqual(await store.add('u:1', line(2, 1), small), { ok: true, quantity: 2 }, 'a full cart still takes more of what it has')
      assert.deepEqual((await store.get('u:1'))!.lines.map((l) => [l.productId, l.quantity]), [
        [1, 98],
        [2, 2],
      ])
    })

    test('setQuantity and remove change an existing line and refuse a missing one', async (t) => {
      const store = await openStore(kind, t)
      assert.equal(await store.setQuantity('u:1', ref(1), 3, 500), false, 'no cart')
      assert.equal(await store.remove('u:1', ref(1)), false, 'no cart')
      await store.add('u:1', line(1, 1), limits)
      await store.add('u:1', line(2, 1), limits)
      assert.equal(await store.setQuantity('u:1', ref(9), 3, 500), false, 'no such line')
      assert.equal(await store.setQuantity('u:1', ref(1), 7, 500), true)
      assert.equal(await store.remove('u:1', ref(9)), false, 'no such line')
      assert.equal(await store.remove('u:1', ref(2)), true)
      assert.equal(await store.remove('u:1', ref(2)), false, 'already gone')
      assert.deepEqual(await store.get('u:1'), { currency: 'USD', lines: [{ productId: 1, variantId: 0, quantity: 7, seenPrice: 500 }] })
    })

    test('two variants of one product are two lines: add, setQuantity, remove, merge and removeOrdered address each', async (t) => {
      const store = await openStore(kind, t)
      await store.add('u:1', line(1, 2, { variantId: 11 }), limits)
      await store.add('u:1', line(1, 3, { variantId: 12, stock: 3 }), limits)
      // Each variant's own stock: 3 of variant 12 fill it; variant 11 still takes more.
      assert.deepEqual(await store.add('u:1', line(1, 1, { variantId: 12, stock: 3 }), limits), { ok: false, refusal: 'OUT_OF_STOCK', quantity: 3 })
      assert.deepEqual(await store.add('u:1', line(1, 1, { variantId: 11 }), limits), { ok: true, quantity: 3 })
      assert.equal(await store.setQuantity('u:1', ref(1, 12), 1, 900), true)
      assert.equal(await store.setQuantity('u:1', ref(1, 13), 1, 900), false, 'no such variant in the cart')
      assert.deepEqual(await store.get('u:1'), {
        currency: 'USD',
        lines: [
          { productId: 1, variantId: 11, quantity: 3, seenPrice: 1001 },
          { productId: 1, variantId: 12, quantity: 1, seenPrice: 900 },
        ],
      })
      await store.add('g:a', line(1, 4, { variantId: 12 }), limits)
      await store.add('g:a', line(1, 1, { variantId: 13 }), limits)
      assert.deepEqual(await store.merge('g:a', 'u:1', caps([['1.12', 2], ['1.13', 5]]), limits), [
        { productId: 1, variantId: 12, guestQuantity: 4, before: 1, after: 2 },
        { productId: 1, variantId: 13, guestQuantity: 1, before: 0, after: 1 },
      ])
      assert.equal(await store.removeOrdered('u:1', randomUUID(), [{ productId: 1, variantId: 11, quantity: 3 }, { productId: 1, variantId: 13, quantity: 1 }]), true)
      assert.equal(await store.remove('u:1', ref(1, 11)), false, 'ordered out already')
      assert.deepEqual(await store.get('u:1'), { currency: 'USD', lines: [{ productId: 1, variantId: 12, quantity: 2, seenPrice: 900 }] })
      assert.equal(await store.remove('u:1', ref(1, 12)), true)
    })

    test('clear empties the cart, which stays and takes another currency afterwards', async (t) => {
      const store = await openStore(kind, t)
      await store.add('g:a', line(1, 2), limits)
      await store.add('g:a', line(2, 2), limits)
      await store.clear('g:a')
      assert.deepEqual(await store.get('g:a'), { currency: null, lines: [] })
      assert.deepEqual(await store.add('g:a', line(3, 1, { currency: 'EUR' }), limits), { ok: true, quantity: 1 })
      assert.deepEqual(await store.get('g:a'), { currency: 'EUR', lines: [{ productId: 3, variantId: 0, quantity: 1, seenPrice: 1003 }] })
      await store.clear('g:none')
      assert.equal(await store.get('g:none'), undefined, 'clearing no cart makes none')
    })

    test('merge adds quantities capped per product, never lowers the target, and deletes the source', async (t) => {
      const store = await openStore(kind, t)
      await store.add('g:a', line(1, 3, { unitPrice: 111 }), limits) // user has 2: 2 + 3 capped at 4
      await store.add('g:a', line(2, 5, { unitPrice: 222 }), limits) // new: 5
      await store.add('g:a', line(3, 2), limits) // gone from the catalog: cap 0
      await store.add('g:a', line(4, 1), limits) // user has 6, cap 4: stays 6
      await store.add('g:a', line(5, 60, { stock: 500 }), limits) // absent from caps: capped by maxQuantity only
      await store.add('u:1', line(1, 2, { unitPrice: 100 }), limits)
      await store.add('u:1', line(4, 6), limits)
      await store.add('u:1', line(5, 60, { stock: 500 }), limits)
      const outcomes = await store.merge('g:a', 'u:1', caps([[1, 4], [2, 10], [3, 0], [4, 4]]), limits)
      assert.deepEqual(outcomes, [
        { productId: 1, variantId: 0, guestQuantity: 3, before: 2, after: 4 },
        { productId: 2, variantId: 0, guestQuantity: 5, before: 0, after: 5 },
        { productId: 3, variantId: 0, guestQuantity: 2, before: 0, after: 0 },
        { productId: 4, variantId: 0, guestQuantity: 1, before: 6, after: 6 },
        { productId: 5, variantId: 0, guestQuantity: 60, before: 60, after: 99 },
      ])
      assert.equal(await store.get('g:a'), undefined, 'the guest cart is gone')
      assert.deepEqual(await store.get('u:1'), {
        currency: 'USD',
        lines: [
          { productId: 1, variantId: 0, quantity: 4, seenPrice: 100 },
          { productId: 4, variantId: 0, quantity: 6, seenPrice: 1004 },
          { productId: 5, variantId: 0, quantity: 99, seenPrice: 1005 },
          { productId: 2, variantId: 0, quantity: 5, seenPrice: 222 },
        ],
      })
      assert.equal(await store.merge('g:a', 'u:1', caps([[1, 4]]), limits), null, 'merging again finds nothing')
      assert.equal((await store.get('u:1'))!.lines.find((l) => l.productId === 1)!.quantity, 4)
    })

    test('merge into no cart makes it; an empty source merges nothing and is deleted', async (t) => {
      const store = await openStore(kind, t)
      await store.add('g:a', line(1, 2), limits)
      assert.deepEqual(await store.merge('g:a', 'u:1', caps([[1, 10]]), limits), [{ productId: 1, variantId: 0, guestQuantity: 2, before: 0, after: 2 }])
      assert.deepEqual(await store.get('u:1'), { currency: 'USD', lines: [{ productId: 1, variantId: 0, quantity: 2, seenPrice: 1001 }] })
      await store.add('g:b', line(1, 1), limits)
      await store.clear('g:b')
      assert.deepEqual(await store.merge('g:b', 'u:1', caps([]), limits), [])
      assert.equal(await store.get('g:b'), undefined)
    })

    test('merge refuses lines in another currency and lines that do not fit a full cart', async (t) => {
      const store = await openStore(kind, t)
      const small = { maxQuantity: 99, maxLines: 2 }
      await store.add('u:1', line(1, 1), small)
      await store.add('g:a', line(2, 1, { currency: 'EUR' }), small)
      assert.deepEqual(await store.merge('g:a', 'u:1', caps([[2, 10, 'EUR']]), small), [
        { productId: 2, variantId: 0, guestQuantity: 1, before: 0, after: 0, refusal: 'CURRENCY_MISMATCH' },
      ])
      await store.add('g:b', line(2, 1), limits)
      await store.add('g:b', line(3, 1), limits)
      await store.add('g:b', line(1, 1), limits)
      assert.deepEqual(await store.merge('g:b', 'u:1', caps([[1, 10], [2, 10], [3, 10]]), small), [
        { productId: 2, variantId: 0, guestQuantity: 1, before: 0, after: 1 },
        { productId: 3, variantId: 0, guestQuantity: 1, before: 0, after: 0, refusal: 'CART_FULL' },
        { productId: 1, variantId: 0, guestQuantity: 1, before: 1, after: 2 },
      ])
    })

    test('of several merges of one guest cart at once, exactly one merges', async (t) => {
      const store = await openStore(kind, t)
      await store.add('g:a', line(1, 3), limits)
      await store.add('u:1', line(1, 1), limits)
      const results = await Promise.all(Array.from({ length: 8 }, () => store.merge('g:a', 'u:1', caps([[1, 50]]), limits)))
      assert.equal(results.filter((r) => r !== null).length, 1)
      assert.equal((await store.get('u:1'))!.lines[0]!.quantity, 4)
    })

    test('concurrent adds never pass the stock or lose an update', async (t) => {
      const store = await openStore(kind, t)
      const results = await Promise.all(Array.from({ length: 20 }, () => store.add('u:1', line(1, 1, { stock: 10 }), limits)))
      assert.equal(results.filter((r) => r.ok).length, 10)
      assert.equal(results.filter((r) => !r.ok && r.refusal === 'OUT_OF_STOCK').length, 10)
      assert.equal((await store.get('u:1'))!.lines[0]!.quantity, 10)
    })

    test('removeOrdered takes the ordered units out once per order; what was added meanwhile stays', async (t) => {
      const store = await openStore(kind, t)
      await store.add('u:1', line(1, 3), limits)
      await store.add('u:1', line(2, 2), limits)
      await store.add('u:1', line(3, 1), limits) // added after the order was taken
      const orderId = randomUUID()
      const ordered = [
        { productId: 1, variantId: 0, quantity: 2 },
        { productId: 2, variantId: 0, quantity: 2 },
        { productId: 9, variantId: 0, quantity: 1 },
      ]
      assert.equal(await store.removeOrdered('u:1', orderId, ordered), true)
      const after = { currency: 'USD', lines: [{ productId: 1, variantId: 0, quantity: 1, seenPrice: 1001 }, { productId: 3, variantId: 0, quantity: 1, seenPrice: 1003 }] }
      assert.deepEqual(await store.get('u:1'), after)
      assert.equal(await store.removeOrdered('u:1', orderId, ordered), false, 'the same order again changes nothing')
      assert.deepEqual(await store.get('u:1'), after)
      assert.equal(await store.removeOrdered('u:1', randomUUID(), [{ productId: 1, variantId: 0, quantity: 5 }]), true, 'another order counts')
      assert.deepEqual((await store.get('u:1'))!.lines.map((l) => l.productId), [3])
    })

    test('an order taken out of a cart that has none is remembered: a late retry leaves later lines alone', async (t) => {
      const store = await openStore(kind, t)
      const orderId = randomUUID()
      assert.equal(await store.removeOrdered('u:1', orderId, [{ productId: 1, variantId: 0, quantity: 1 }]), true)
      await store.add('u:1', line(1, 2), limits)
      assert.equal(await store.removeOrdered('u:1', orderId, [{ productId: 1, variantId: 0, quantity: 1 }]), false)
      assert.equal((await store.get('u:1'))!.lines[0]!.quantity, 2)
      await store.clear('u:1')
      assert.equal(await store.removeOrdered('u:1', orderId, [{ productId: 1, variantId: 0, quantity: 1 }]), false, 'clear keeps the processed orders')
    })

    test('concurrent retries of one order take its units out once', async (t) => {
      const store = await openStore(kind, t)
      await store.add('u:1', line(1, 10), limits)
      const orderId = randomUUID()
      const results = await Promise.all(Array.from({ length: 6 }, () => store.removeOrdered('u:1', orderId, [{ productId: 1, variantId: 0, quantity: 3 }])))
      assert.equal(results.filter(Boolean).length, 1)
      assert.equal((await store.get('u:1'))!.lines[0]!.quantity, 7)
    })

    test('an idle cart expires; reading or writing keeps it alive', async (t) => {
      const store = await openStore(kind, t, 2)
      await store.add('g:idle', line(1, 1), limits)
      await store.add('g:busy', line(1, 1), limits)
      await store.add('g:read', line(1, 1), limits)
      await sleep(1200)
      await store.add('g:busy', line(1, 1), limits)
      assert.ok(await store.get('g:read'))
      await sleep(1200)
      assert.equal(await store.get('g:idle'), undefined, 'idle for more than the TTL')
      assert.equal((await store.get('g:busy'))?.lines[0]?.quantity, 2, 'written within the TTL')
      assert.equal((await store.get('g:read'))?.lines[0]?.quantity, 1, 'read within the TTL')
      // An expired cart never comes back: a write starts afresh.
      assert.deepEqual(await store.add('g:idle', line(2, 1), limits), { ok: true, quantity: 1 })
      assert.deepEqual((await store.get('g:idle'))!.lines.map((l) => l.productId), [2])
    })

    test('sweep deletes idle carts the store still holds', async (t) => {
      const store = await openStore(kind, t, 1)
      await store.add('g:a', line(1, 1), limits)
      await store.add('g:b', line(1, 1), limits)
      await sleep(1500)
      const swept = await store.sweep()
      // Redis expires keys itself; the SQL store has rows to delete.
      assert.equal(swept, kind === 'redis' ? 0 : 2)
      assert.equal(await store.get('g:a'), undefined)
    })
  })
}
