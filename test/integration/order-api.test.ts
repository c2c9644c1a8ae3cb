import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { describe, test } from 'node:test'
import type { BuiltApp } from '../../src/app.js'
import * as catalog from '../../src/services/product/catalog-admin.js'
import { productDeps } from '../helpers/product-fixture.js'
import { addToCart, ADDRESS, admin, charges, checkout, DECLINED_CARD, eventually, GOOD_CARD, orderEvents, shopper, stockOf, errorCode, orderShop } from '../helpers/order-fixture.js'

for (const adapters of ['embedded', 'real'] as const) {
  describe(`orders (${adapters})`, () => {
    test('checkout with a good card: a paid order priced by the catalog, stock taken, cart emptied, events written', async (t) => {
      const { built, ids } = await orderShop(t, adapters)
      const day = 86_400_000
      await catalog.createDeal(productDeps(built), { productId: ids.kettle, title: 'Sale', discountPercent: 10, startsAt: new Date(Date.now() - day), endsAt: new Date(Date.now() + day) })
      const ada = await shopper(built)
      await addToCart(built, ada, ids.kettle, 2)
      await addToCart(built, ada, ids.hose, 1)
      const res = await checkout(built, ada)
      assert.equal(res.statusCode, 201, res.body)
      const order = res.json()
      assert.equal(order.status, 'paid')
      assert.equal(order.payment.status, 'paid')
      assert.equal(order.payment.cardLast4, '4242')
      assert.deepEqual(
        order.lines.map((l: any) => [l.productId, l.quantity, l.unitPrice.amount, l.lineTotal.amount]),
        [[ids.kettle, 2, 8099, 16198], [ids.hose, 1, 1999, 1999]].sort((a, b) => a[0]! - b[0]!),
      )
      assert.deepEqual(order.total, { amount: 18197, currency: 'USD' })
      assert.equal(order.customerEmail, ada.email)
      assert.equal(await stockOf(built, ids.kettle), 8)
      assert.equal(await stockOf(built, ids.hose), 9)
      assert.deepEqual(await orderEvents(built, order.id), ['order.placed', 'order.paid'])
      assert.equal(await charges(built, order.id), 1)
      const cart = (await built.app.inject({ method: 'GET', url: '/api/cart', headers: ada.headers })).json()
      assert.equal(cart.items.length, 0)
      const fetched = await built.app.inject({ method: 'GET', url: `/api/orders/${order.id}`, headers: ada.headers })
      assert.equal(fetched.json().status, 'paid')
    })

    test('the same Idempotency-Key and body replay the first answer byte for byte; another body is 422', async (t) => {
      const { built, ids } = await orderShop(t, adapters)
      const cy = await shopper(built)
      await addToCart(built, cy, ids.lamp, 1)
      const key = randomUUID()
      const first = await checkout(built, cy, { key })
      assert.equal(first.statusCode, 201)
      const second = await checkout(built, cy, { key })
      assert.equal(second.statusCode, 201)
      assert.equal(second.body, first.body)
      assert.equal(second.headers['idempotent-replayed'], 'true')
      // Formatting and key order do not make another request.
      const reordered = await built.app.inject({
        method: 'POST', url: '/api/orders', headers: { ...cy.headers, 'idempotency-key': key, 'content-type': 'application/json' },
        payload: JSON.stringify({ payment: { card: { cvc: '123', expYear: 2034, expMonth: 12, number: '4242 4242 4242 4242' } }, shippingAddress: { country: 'GB', postalCode: 'N1 9GU', city: 'London', line1: '12 Analytical Row', name: 'Ada Lovelace' } }, null, 2),
      })
      assert.equal(reordered.body, first.body)
      const other = await checkout(built, cy, { key, body: { shippingAddress: { ...ADDRESS, city: 'Paris' } } })
      assert.equal(other.statusCode, 422)
      assert.equal(errorCode(other), 'IDEMPOTENCY_KEY_REUSED')
      assert.equal(await stockOf(built, ids.lamp), 9)
      const { rows } = await built.deps.db.query<{ n: number }>('select count(*)::int as n from orders.orders where user_id = $1', [cy.userId])
      assert.equal(rows[0]!.n, 1)
      assert.equal(await charges(built, first.json().id), 1)
    })

    test('keys are scoped to the user: the same key of two users makes two orders', async (t) => {
      const { built, ids } = await orderShop(t, adapters)
      const [a, b] = [await shopper(built), await shopper(built)]
      await addToCart(built, a, ids.hose, 1)
      await addToCart(built, b, ids.hose, 1)
      const key = 'shared-key-1'
      const ra = await checkout(built, a, { key })
      const rb = await checkout(built, b, { key })
      assert.equal(ra.statusCode, 201)
      assert.equal(rb.statusCode, 201)
      assert.notEqual(ra.json().id, rb.json().id)
    })

    test('a missing or malformed key, a bad body or card stores nothing: the same key works afterwards', async (t) => {
      const { built, ids } = await orderShop(t, adapters)
      const dee = await shopper(built)
      await addToCart(built, dee, ids.lamp, 1)
      const missing = await checkout(built, dee, { key: null })
      assert.equal(missing.statusCode, 400)
      assert.equal(errorCode(missing), 'IDEMPOTENCY_KEY_REQUIRED')
      for (const key of ['x'.repeat(256), 'has space', 'tab\there']) {
        const res = await checkout(built, dee, { key })
        assert.equal(res.statusCode, 400, key)
        assert.equal(errorCode(res), 'IDEMPOTENCY_KEY_INVALID')
      }
      const key = randomUUID()
      for (const body of [
        { shippingAddress: { ...ADDRESS, country: 'Britain' } },
        { shippingAddress: ADDRESS, total: 1 },
        { shippingAddress: ADDRESS, payment: { card: { ...GOOD_CARD, number: '4242 4242 4242 4241' } } },
        {},
      ]) {
        const res = await checkout(built, dee, { key, body })
        assert.equal(res.statusCode, 400, JSON.stringify(body))
        assert.ok(['VALIDATION', 'INVALID_CARD'].includes(errorCode(res)))
      }
      assert.equal(await stockOf(built, ids.lamp), 10)
      const ok = await checkout(built, dee, { key })
      assert.equal(ok.statusCode, 201, ok.body)
    })

    test('an empty cart or missing stock is refused with nothing written; the key can be used again', async (t) => {
      const { built, ids } = await orderShop(t, adapters)
      const eve = await shopper(built)
      const key = randomUUID()
      const empty = await checkout(built, eve, { key })
      assert.equal(empty.statusCode, 409)
      assert.equal(errorCode(empty), 'EMPTY_CART')
      await addToCart(built, eve, ids.wok, 3)
      await catalog.setStock(productDeps(built), ids.wok, 2)
      const short = await checkout(built, eve, { key })
      assert.equal(short.statusCode, 409)
      assert.equal(errorCode(short), 'OUT_OF_STOCK')
      assert.equal(await stockOf(built, ids.wok), 2)
      const { rows } = await built.deps.db.query<{ n: number }>('select count(*)::int as n from orders.orders')
      assert.equal(rows[0]!.n, 0)
      await catalog.setStock(productDeps(built), ids.wok, 5)
      const ok = await checkout(built, eve, { key })
      assert.equal(ok.statusCode, 201, ok.body)
      assert.equal(await stockOf(built, ids.wok), 2)
    })

    test('a customer never sees or touches another customer\'s order; ship and deliver are for admins', async (t) => {
      const { built, ids } = await orderShop(t, adapters)
      const [owner, other] = [await shopper(built), await shopper(built)]
      await addToCart(built, owner, ids.hose, 1)
      const order = (await checkout(built, owner)).json()
      for (const [method, url, payload] of [
        ['GET', `/api/orders/${order.id}`, undefined],
        ['POST', `/api/orders/${order.id}/cancel`, {}],
      ] as const) {
        const res = await built.app.inject({ method, url, headers: other.headers, ...(payload ? { payload } : {}) })
        assert.equal(res.statusCode, 404, `${method} ${url}`)
        assert.equal(errorCode(res), 'ORDER_NOT_FOUND')
      }
      const ship = await built.app.inject({ method: 'POST', url: `/api/orders/${order.id}/ship`, headers: owner.headers, payload: {} })
      assert.equal(ship.statusCode, 403)
      assert.equal(errorCode(ship), 'FORBIDDEN')
      const anonymous = await built.app.inject({ method: 'GET', url: `/api/orders/${order.id}` })
      assert.equal(anonymous.statusCode, 401)
      assert.equal(errorCode(anonymous), 'AUTH_REQUIRED')
      const bad = await built.app.inject({ method: 'GET', url: '/api/orders/not-a-uuid', headers: owner.headers })
      assert.equal(bad.statusCode, 400)
      const unknown = await built.app.inject({ method: 'GET', url: `/api/orders/${randomUUID()}`, headers: owner.headers })
      assert.equal(unknown.statusCode, 404)
      assert.equal((await built.app.inject({ method: 'GET', url: '/api/orders', headers: other.headers })).json().items.length, 0)
      const list = await built.app.inject({ method: 'GET', url: `/api/orders?userId=${owner.userId}`, headers: other.headers })
      assert.equal(list.statusCode, 403)
    })

    test('an admin finds a customer\'s orders by e-mail address (any case, page by page) and an order by its number; a customer only their own', async (t) => {
      const { built, ids } = await orderShop(t, adapters)
      const [gil, hal, boss] = [await shopper(built, 'Gil'), await shopper(built), await admin(built)]
      const placed: string[] = []
      for (const who of [gil, hal, gil]) {
        await addToCart(built, who, ids.hose, 1)
        const res = await checkout(built, who)
        assert.equal(res.statusCode, 201, res.body)
        if (who === gil) placed.unshift(res.json().id)
      }
      const list = (query: string, who = boss) => built.app.inject({ method: 'GET', url: `/api/orders?${query}`, headers: who.headers })
      const first = await list(`customerEmail=${encodeURIComponent(gil.email.toUpperCase())}&limit=1`)
      assert.equal(first.statusCode, 200, first.body)
      const second = await list(`customerEmail=${encodeURIComponent(gil.email)}&limit=1&cursor=${first.json().nextCursor}`)
      assert.deepEqual([...first.json().items, ...second.json().items].map((o: { id: string }) => o.id), placed, 'newest first')
      assert.equal(second.json().nextCursor, null)
      assert.deepEqual((await list(`customerEmail=${encodeURIComponent(gil.email)}&status=cancelled`)).json().items, [])
      assert.deepEqual((await list('customerEmail=nobody%40example.com')).json().items, [])
      // A cursor belongs to its list: the same cursor for another address is refused.
      assert.equal((await list(`customerEmail=${encodeURIComponent(hal.email)}&limit=1&cursor=${first.json().nextCursor}`)).statusCode, 400)
      const refused = await list(`customerEmail=${encodeURIComponent(gil.email)}`, hal)
      assert.equal(refused.statusCode, 403)
      assert.equal(errorCode(refused), 'FORBIDDEN')
      // The number the pages and e-mails show: the first 8 hex digits of the id, in any case.
      const number = placed[0]!.slice(0, 8)
      const found = async (query: string, who = boss) => (await list(query, who)).json().items.map((o: { id: string }) => o.id)
      assert.deepEqual(await found(`number=${number.toUpperCase()}`), [placed[0]])
      assert.deepEqual(await found(`number=${number}`, gil), [placed[0]], 'a customer finds their own')
      assert.deepEqual(await found(`number=${number}`, hal), [], 'and nobody else\'s')
      assert.equal((await list('number=0f8fad5', boss)).statusCode, 400, 'eight hex digits')
    })

    test('admins move orders along the state machine; forbidden transitions are 409 and write nothing', async (t) => {
      const { built, ids } = await orderShop(t, adapters)
      const [fay, boss] = [await shopper(built), await admin(built)]
      await addToCart(built, fay, ids.lamp, 1)
      assert.equal((await checkout(built, fay, { card: DECLINED_CARD })).statusCode, 402)
      const { rows } = await built.deps.db.query<{ id: string }>('select id from orders.orders where user_id = $1', [fay.userId])
      const act = (id: string, action: string, payload: object = {}) => built.app.inject({ method: 'POST', url: `/api/orders/${id}/${action}`, headers: boss.headers, payload })
      for (const action of ['ship', 'cancel', 'deliver']) {
        const ended = await act(rows[0]!.id, action)
        assert.equal(ended.statusCode, 409, `${action} of a payment_failed order`)
        assert.equal(errorCode(ended), 'INVALID_TRANSITION')
      }
      await addToCart(built, fay, ids.hose, 1)
      const paid = (await checkout(built, fay)).json()
      assert.equal((await act(paid.id, 'deliver')).statusCode, 409)
      const shipped = await act(paid.id, 'ship', { trackingNumber: 'TRACK-1' })
      assert.equal(shipped.json().status, 'shipped')
      assert.equal(shipped.json().trackingNumber, 'TRACK-1')
      assert.equal((await act(paid.id, 'cancel')).statusCode, 409)
      assert.equal((await act(paid.id, 'deliver')).json().status, 'delivered')
      assert.equal((await act(paid.id, 'ship')).statusCode, 409)
      assert.deepEqual(await orderEvents(built, paid.id), ['order.placed', 'order.paid', 'order.shipped', 'order.delivered'])
      const all = (await built.app.inject({ method: 'GET', url: '/api/orders?status=delivered', headers: boss.headers })).json()
      assert.deepEqual(all.items.map((o: any) => o.id), [paid.id])
      const mine = (await built.app.inject({ method: 'GET', url: `/api/orders?userId=${fay.userId}&limit=1`, headers: boss.headers })).json()
      assert.equal(mine.items.length, 1)
      const next = (await built.app.inject({ method: 'GET', url: `/api/orders?userId=${fay.userId}&limit=1&cursor=${mine.nextCursor}`, headers: boss.headers })).json()
      assert.equal(next.items.length, 1)
      assert.notEqual(next.items[0].id, mine.items[0].id)
      assert.equal(next.nextCursor, null)
      const forged = await built.app.inject({ method: 'GET', url: '/api/orders?cursor=bm9wZQ', headers: boss.headers })
      assert.equal(errorCode(forged), 'INVALID_CURSOR')
      // Regression: an id of 36 dashes passed the old check and answered 500. Unsigned or signed, it is 400 now.
      const dashes = [Date.now() * 1000, '-'.repeat(36)]
      const list = JSON.stringify(['orders', 'admin', null, null])
      for (const cursor of [Buffer.from(JSON.stringify(dashes)).toString('base64url'), built.deps.cursors.encode(list, dashes), built.deps.cursors.encode(list, [-1, randomUUID()])]) {
        const res = await built.app.inject({ method: 'GET', url: `/api/orders?cursor=${cursor}`, headers: boss.headers })
        assert.equal(res.statusCode, 400, res.body)
        assert.equal(errorCode(res), 'INVALID_CURSOR')
      }
      // A cursor is bound to its list: another filter does not take it.
      const other = await built.app.inject({ method: 'GET', url: `/api/orders?userId=${fay.userId}&status=paid&limit=1&cursor=${mine.nextCursor}`, headers: boss.headers })
      assert.equal(errorCode(other), 'INVALID_CURSOR')
    })

    test('cancelling a paid order refunds it and gives the stock back', async (t) => {
      const { built, ids } = await orderShop(t, adapters)
      const gus = await shopper(built)
      await addToCart(built, gus, ids.kettle, 3)
      const order = (await checkout(built, gus)).json()
      assert.equal(await stockOf(built, ids.kettle), 7)
      const res = await built.app.inject({ method: 'POST', url: `/api/orders/${order.id}/cancel`, headers: gus.headers, payload: { reason: 'changed my mind' } })
      assert.equal(res.statusCode, 200, res.body)
      assert.equal(res.json().status, 'cancelled')
      assert.equal(res.json().payment.status, 'refunded')
      assert.equal(res.json().cancelReason, 'changed my mind')
      await eventually('stock back', () => stockOf(built, ids.kettle), (s) => s === 10)
      assert.deepEqual(await orderEvents(built, order.id), ['order.placed', 'order.paid', 'order.cancelled'])
      const again = await built.app.inject({ method: 'POST', url: `/api/orders/${order.id}/cancel`, headers: gus.headers, payload: {} })
      assert.equal(again.statusCode, 409)
      await new Promise((r) => setTimeout(r, 300))
      assert.equal(await stockOf(built, ids.kettle), 10, 'released once')
    })

    test('paid orders teach the recommendations what is bought together', async (t) => {
      const { built, ids } = await orderShop(t, adapters)
      for (let i = 0; i < 2; i++) {
        const s = await shopper(built)
        await addToCart(built, s, ids.lamp, 1)
        await addToCart(built, s, ids.hose, 1)
        assert.equal((await checkout(built, s)).statusCode, 201)
      }
      const recs = await eventually(
        'bought together',
        async () => (await built.app.inject({ method: 'GET', url: `/api/recommendations?productId=${ids.lamp}&limit=1` })).json(),
        (r) => r.basedOn === 'bought-together',
      )
      assert.deepEqual(recs.items.map((p: any) => p.id), [ids.hose])
    })

    test('50 parallel checkouts with one Idempotency-Key make one order and one charge', async (t) => {
      const { built, ids } = await orderShop(t, adapters)
      const ivy = await shopper(built)
      await addToCart(built, ivy, ids.kettle, 1)
      const key = randomUUID()
      const answers = await Promise.all(Array.from({ length: 50 }, () => checkout(built, ivy, { key })))
      const statuses = answers.map((a) => a.statusCode)
      assert.ok(statuses.every((s) => s === 201 || s === 409), statuses.join(','))
      assert.ok(answers.filter((a) => a.statusCode === 409).every((a) => errorCode(a) === 'IDEMPOTENCY_IN_FLIGHT' && a.headers['retry-after'] === '1'))
      const created = answers.filter((a) => a.statusCode === 201)
      assert.ok(created.length >= 1)
      assert.ok(created.every((a) => a.body === created[0]!.body))
      const { rows } = await built.deps.db.query<{ id: string }>('select id from orders.orders where user_id = $1', [ivy.userId])
      assert.equal(rows.length, 1)
      assert.equal(await charges(built, rows[0]!.id), 1)
      assert.equal(await stockOf(built, ids.kettle), 9)
      // After the dust settles the key replays the one order.
      assert.equal((await checkout(built, ivy, { key })).json().id, rows[0]!.id)
    })
  })
}
