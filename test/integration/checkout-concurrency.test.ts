import assert from 'node:assert/strict'
import { randomBytes, randomUUID } from 'node:crypto'
import { after, before, describe, test } from 'node:test'
import { createPgDb } from '../../src/platform/db/pg-db.js'
import * as store from '../../src/services/product/product-store.js'
import { clonePgDatabase } from '../helpers/databases.js'
import { ADDRESS, GOOD_CARD } from '../helpers/order-fixture.js'
import { startMain, type Started } from '../helpers/process.js'
import { servers } from '../helpers/servers.js'
import { tokenMinter } from '../helpers/token-minter.js'

/**
 * Stock under concurrent checkout, the way peers oversell: several server
 * processes on one real PostgreSQL and Redis, many buyers at once, over HTTP.
 */

type Buyer = { userId: string; headers: Record<string, string> }

/** The oracle every run is judged by: sales never exceed the stock, and stock + sold = initial. */
function assertNoOversell(initial: number, sold: number, finalStock: number) {
  assert.ok(sold <= initial, `oversold: ${sold} sales of ${initial} in stock`)
  assert.ok(finalStock >= 0, `negative stock ${finalStock}`)
  assert.equal(finalStock + sold, initial, `stock ${finalStock} + sold ${sold} != ${initial}`)
}

describe('checkout under concurrency (2 processes, real PostgreSQL + Redis)', () => {
  const procs: Started[] = []
  const bases: string[] = []
  let db: ReturnType<typeof createPgDb>
  let minter: Awaited<ReturnType<typeof tokenMinter>>
  const scope: { fns: (() => Promise<void>)[]; after(fn: () => Promise<void>): void } = { fns: [], after(fn) { this.fns.push(fn) } }

  before(async () => {
    minter = await tokenMinter()
    const url = await clonePgDatabase(scope)
    const env = {
      DATABASE_URL: url,
      REDIS_URL: servers.redisUrl,
      REDIS_KEY_PREFIX: `test${randomBytes(4).toString('hex')}:`,
      JWT_SECRET: minter.secret,
      SEED_DEMO_PRODUCTS: '0',
      LOG_LEVEL: 'warn',
      ORDER_RATE_LIMIT_MAX: '1000000',
      CART_RATE_LIMIT_MAX: '1000000',
      PRODUCT_RATE_LIMIT_MAX: '1000000',
    }
    // Each process listens on a port the kernel picks (PORT=0) and reports it; one that fails shows its output.
    for (let i = 0; i < 2; i++) procs.push(startMain(['all'], env))
    for (const p of procs) bases.push(`http://127.0.0.1:${await p.listening()}`)
    db = createPgDb({ url, max: 5, min: 0, applicationName: 'test' })
  })

  after(async () => {
    await Promise.all(procs.map(async (p) => {
      p.child.kill('SIGTERM')
      await Promise.race([p.exited, new Promise((r) => setTimeout(r, 10_000))])
      p.child.kill('SIGKILL')
    }))
    await db?.close()
    for (const fn of scope.fns.reverse()) await fn()
  })

  let retries = 0
  /**
   * What a real client does. A 503 with Retry-After says a dependency hiccuped
   * (on this 2-core machine under a load of 10-20, a Redis command can miss its
   * timeout): it waits and asks again, a few times. A retried checkout keeps its
   * Idempotency-Key, so a retry can never make a second order. A 500 is a bug and
   * never retried; the oracle below counts final answers, and any 5xx left is a failure.
   */
  const call = async (i: number, method: string, path: string, headers: Record<string, string>, body?: unknown) => {
    for (let attempt = 1; ; attempt++) {
      const res = await fetch(bases[i % bases.length]! + path, {
        method,
        headers: { ...headers, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      })
      const answer = { status: res.status, body: (await res.json()) as any }
      const retryAfter = Number(res.headers.get('retry-after'))
      if (answer.status !== 503 || !(retryAfter > 0) || attempt >= 5) return answer
      retries++
      await new Promise((r) => setTimeout(r, Math.min(retryAfter, 5) * 1000))
    }
  }

  async function product(stock: number): Promise<number> {
    return store.insertProduct(db, { slug: `hot-item-${randomUUID().slice(0, 8)}`, name: 'Hot Item', description: '', priceAmount: 2500, currency: 'USD', categoryId: null, attributes: {}, stock, images: [] })
  }

  async function buyers(n: number, cart: (b: Buyer, i: number) => { productId: number; variantId?: number; quantity: number }[]): Promise<Buyer[]> {
    const list = await Promise.all(Array.from({ length: n }, () => minter.customer()))
    await Promise.all(
      list.map(async (b, i) => {
        for (const line of cart(b, i)) {
          // Set, not added: a retried add whose first try did land would put 2 in the cart.
          let r = await call(i, 'POST', '/api/cart/items', b.headers, line)
          if (r.status === 503) r = await call(i, 'PATCH', `/api/cart/items/${line.productId}${line.variantId ? `?variantId=${line.variantId}` : ''}`, b.headers, { quantity: line.quantity })
          if (r.status === 404) r = await call(i, 'POST', '/api/cart/items', b.headers, line)
          assert.ok(r.status < 300, JSON.stringify(r.body))
        }
      }),
    )
    return list
  }

  const stock = async (id: number) => (await db.query<{ stock: number }>('select stock from catalog.products where id = $1', [id])).rows[0]!.stock

  test('stock 10, 200 buyers at once: exactly 10 orders, stock 0, the rest 409 OUT_OF_STOCK, no 5xx', async (t) => {
    const id = await product(10)
    const list = await buyers(200, () => [{ productId: id, quantity: 1 }])
    const answers = await Promise.all(
      list.map((b, i) => call(i, 'POST', '/api/orders', { ...b.headers, 'idempotency-key': randomUUID() }, { shippingAddress: ADDRESS, payment: { card: GOOD_CARD } })),
    )
    const count = (s: number) => answers.filter((a) => a.status === s).length
    assert.equal(answers.filter((a) => a.status >= 500).length, 0, JSON.stringify(answers.find((a) => a.status >= 500)?.body))
    assert.equal(count(201), 10)
    assert.equal(count(409), 190)
    assert.ok(answers.filter((a) => a.status === 409).every((a) => a.body.error.code === 'OUT_OF_STOCK'))
    assert.ok(answers.filter((a) => a.status === 201).every((a) => a.body.status === 'paid' && a.body.lines[0].quantity === 1))
    const { rows } = await db.query<{ n: number }>(
      `select coalesce(sum(l.quantity), 0)::int as n from orders.order_lines l join orders.orders o on o.id = l.order_id
       where l.product_id = $1 and o.status = 'paid'`,
      [id],
    )
    assertNoOversell(10, rows[0]!.n, await stock(id))
    assert.equal(rows[0]!.n, 10, 'exactly the stock was sold')
    assert.equal(await stock(id), 0)
    t.diagnostic(`503 + Retry-After answers retried so far: ${retries}`)
  })

  test('per variant: a product with variants of stock 6 and 4, 100 buyers racing for both: each variant exactly sold out, a third variant untouched, no 5xx', async (t) => {
    const id = await product(0)
    const admin = (await minter.admin()).headers
    const adminCall = async (method: string, path: string, body: unknown) => {
      const r = await call(0, method, path, admin, body)
      assert.ok(r.status < 300, `${method} ${path}: ${JSON.stringify(r.body)}`)
      return r.body
    }
    const withOptions = await adminCall('PUT', `/api/products/${id}/options`, { options: [{ name: 'Colour', values: ['Red', 'Blue', 'Green'] }] })
    const red = withOptions.variants[0].id as number
    await adminCall('PUT', `/api/products/${id}/variants/${red}/stock`, { stock: 6 })
    const blue = (await adminCall('POST', `/api/products/${id}/variants`, { options: { Colour: 'Blue' }, stock: 4 })).id as number
    const green = (await adminCall('POST', `/api/products/${id}/variants`, { options: { Colour: 'Green' }, stock: 5 })).id as number
    const initial = new Map([[red, 6], [blue, 4]])
    // Every other buyer wants red, the rest blue: 50 buyers race for 6 reds, 50 for 4 blues.
    const list = await buyers(100, (_b, i) => [{ productId: id, variantId: i % 2 ? red : blue, quantity: 1 }])
    const answers = await Promise.all(
      list.map((b, i) => call(i, 'POST', '/api/orders', { ...b.headers, 'idempotency-key': randomUUID() }, { shippingAddress: ADDRESS, payment: { card: GOOD_CARD } })),
    )
    assert.equal(answers.filter((a) => a.status >= 500).length, 0, JSON.stringify(answers.find((a) => a.status >= 500)?.body))
    assert.equal(answers.filter((a) => a.status === 201).length, 10)
    assert.ok(answers.filter((a) => a.status !== 201).every((a) => a.status === 409 && a.body.error.code === 'OUT_OF_STOCK'))
    const variantStock = async (v: number) => (await db.query<{ stock: number }>('select stock from catalog.variants where id = $1', [v])).rows[0]!.stock
    for (const [variant, stock] of initial) {
      const { rows } = await db.query<{ n: number }>(
        `select coalesce(sum(l.quantity), 0)::int as n from orders.order_lines l join orders.orders o on o.id = l.order_id
         where l.variant_id = $1 and o.status = 'paid'`,
        [variant],
      )
      assertNoOversell(stock, rows[0]!.n, await variantStock(variant))
      assert.equal(rows[0]!.n, stock, `variant ${variant}: exactly its stock was sold`)
    }
    assert.equal(await variantStock(green), 5, 'nobody bought green: its stock never moved')
    assert.equal(await stock(id), 5, "the product's stock is the sum of its variants'")
    t.diagnostic(`503 + Retry-After answers retried so far: ${retries}`)
  })

  test('two-product carts in opposite orders never deadlock to the client', async () => {
    const [a, b] = [await product(60), await product(60)]
    const list = await buyers(60, (_b, i) => (i % 2 ? [{ productId: a, quantity: 1 }, { productId: b, quantity: 1 }] : [{ productId: b, quantity: 1 }, { productId: a, quantity: 1 }]))
    const answers = await Promise.all(
      list.map((buyer, i) => call(i, 'POST', '/api/orders', { ...buyer.headers, 'idempotency-key': randomUUID() }, { shippingAddress: ADDRESS, payment: { card: GOOD_CARD } })),
    )
    assert.deepEqual([...new Set(answers.map((x) => x.status))], [201], JSON.stringify(answers.find((x) => x.status !== 201)?.body))
    assert.equal(await stock(a), 0)
    assert.equal(await stock(b), 0)
  })

  test('50 parallel POSTs with one Idempotency-Key across both processes: one order, one charge', async () => {
    const id = await product(5)
    const [buyer] = await buyers(1, () => [{ productId: id, quantity: 1 }])
    const key = randomUUID()
    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, i) => call(i, 'POST', '/api/orders', { ...buyer!.headers, 'idempotency-key': key }, { shippingAddress: ADDRESS, payment: { card: GOOD_CARD } })),
    )
    assert.ok(answers.every((x) => x.status === 201 || (x.status === 409 && x.body.error.code === 'IDEMPOTENCY_IN_FLIGHT')))
    const { rows } = await db.query<{ id: string }>('select id from orders.orders where user_id = $1', [buyer!.userId])
    assert.equal(rows.length, 1)
    const charged = await db.query<{ n: number }>("select count(*)::int as n from orders.test_provider_operations where kind = 'charge' and idempotency_key like $1", [`charge:${rows[0]!.id}:%`])
    assert.equal(charged.rows[0]!.n, 1)
    assert.equal(await stock(id), 4)
  })

  test('a discount code with 10 uses, 200 buyers at once: exactly 10 orders carry it, the rest 409 DISCOUNT_CODE_USED_UP with their stock back, no 5xx', async () => {
    // Plenty of stock: the code's limit is the only scarce thing.
    const id = await product(1000)
    const code = `RUSH${randomBytes(3).toString('hex').toUpperCase()}`
    await db.query("insert into orders.discount_codes (code, kind, percent_off, max_uses) values ($1, 'percentage', 10, 10)", [code])
    const list = await buyers(200, () => [{ productId: id, quantity: 1 }])
    const answers = await Promise.all(
      list.map((b, i) =>
        call(i, 'POST', '/api/orders', { ...b.headers, 'idempotency-key': randomUUID() }, { shippingAddress: ADDRESS, discountCode: code, payment: { card: GOOD_CARD } }),
      ),
    )
    const count = (s: number) => answers.filter((a) => a.status === s).length
    assert.equal(answers.filter((a) => a.status >= 500).length, 0, JSON.stringify(answers.find((a) => a.status >= 500)?.body))
    assert.equal(count(201), 10)
    assert.ok(answers.filter((a) => a.status === 201).every((a) => a.body.discount.code === code && a.body.discount.amount.amount === 250 && a.body.total.amount === 2250))
    assert.equal(count(409), 190)
    assert.ok(answers.filter((a) => a.status === 409).every((a) => a.body.error.code === 'DISCOUNT_CODE_USED_UP'), JSON.stringify(answers.find((a) => a.status === 409 && a.body.error.code !== 'DISCOUNT_CODE_USED_UP')?.body))
    const { rows } = await db.query<{ n: number }>(
      'select count(*)::int as n from orders.orders o join orders.discount_codes d on d.id = o.discount_code_id where d.code = $1',
      [code],
    )
    assert.equal(rows[0]!.n, 10, 'exactly the limit was used')
    // Refusals after the reservation (the code's last use taken meanwhile) gave their stock back.
    assert.equal(await stock(id), 1000 - 10)
  })

  test('the oracle catches oversell: a naive SELECT-then-UPDATE judged by it fails', async () => {
    // What Vendure does: read the stock, check it in the application, write back the difference.
    const id = await product(10)
    let sold = 0
    await Promise.all(
      Array.from({ length: 50 }, async () => {
        const { rows } = await db.query<{ stock: number }>('select stock from catalog.products where id = $1', [id])
        const seen = rows[0]!.stock
        await new Promise((r) => setTimeout(r, 5))
        if (seen >= 1) {
          await db.query('update catalog.products set stock = $2 where id = $1', [id, seen - 1])
          sold++
        }
      }),
    )
    const finalStock = await stock(id)
    assert.throws(() => assertNoOversell(10, sold, finalStock), /oversold|!=/)
    assert.ok(sold > 10, `the naive version sold ${sold} of 10`)
  })
})
