import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { describe, test } from 'node:test'
import fc from 'fast-check'
import { pino } from 'pino'
import { createMemoryCache } from '../../src/platform/cache/memory-cache.js'
import { createReadThrough } from '../../src/platform/cache/read-through.js'
import type { Db } from '../../src/platform/db/db.js'
import { AppError } from '../../src/platform/errors.js'
import { createCursorCodec } from '../../src/platform/cursors.js'
import { createMetrics } from '../../src/platform/metrics.js'
import type { ProductDeps } from '../../src/services/product/product.js'
import * as store from '../../src/services/product/product-store.js'
import * as variants from '../../src/services/product/product-variants.js'
import { confirmReservation, releaseExpired, releaseReservation, reserveStock } from '../../src/services/product/stock.js'
import { openClone } from '../helpers/databases.js'

/**
 * Per variant: product 0 has two variants (Size S and M), product 1 one default
 * variant (bought with or without naming it), product 2 one as well. Stock is
 * counted per variant, and every product's total stays the sum of its variants'.
 */
const VARIANTS = 4
const PRODUCT_OF = [0, 0, 1, 2]

interface Model {
  stock: number[]
  initial: number[]
  restocked: number[]
  sold: number[]
  released: number[]
  orders: Map<string, { lines: { p: number; q: number }[]; released: boolean }>
}

type Real = { deps: ProductDeps; productIds: number[]; variantIds: number[] }

function productDeps(db: Db): ProductDeps {
  const metrics = createMetrics('prop', { defaultMetrics: false })
  return { db, readDb: db, cache: createReadThrough(createMemoryCache(), { metrics, log: pino({ level: 'silent' }) }), ttl: { products: 60, deals: 60, recommendations: 60, categories: 60 }, cursors: createCursorCodec(undefined), imagesBaseUrl: '/images' }
}

async function stockOf(real: Real): Promise<{ variants: number[]; products: number[] }> {
  const v = await real.deps.db.query<{ id: number; stock: number }>('select id, stock from catalog.variants where id = any($1::bigint[])', [real.variantIds])
  const p = await real.deps.db.query<{ id: number; stock: number }>('select id, stock from catalog.products where id = any($1::bigint[])', [real.productIds])
  return {
    variants: real.variantIds.map((id) => v.rows.find((r) => Number(r.id) === id)!.stock),
    products: real.productIds.map((id) => p.rows.find((r) => Number(r.id) === id)!.stock),
  }
}

async function checkInvariant(m: Model, r: Real) {
  const actual = await stockOf(r)
  assert.deepEqual(actual.variants, m.stock)
  for (let v = 0; v < VARIANTS; v++) {
    // The accounting identity of the issue, per variant.
    assert.equal(m.initial[v]! + m.restocked[v]! - m.sold[v]! + m.released[v]!, actual.variants[v])
    assert.ok(actual.variants[v]! >= 0)
  }
  // A product's stock is exactly the sum of its variants' at every step.
  for (const [p, total] of actual.products.entries()) {
    assert.equal(total, actual.variants.reduce((sum, s, v) => sum + (PRODUCT_OF[v] === p ? s : 0), 0), `product ${p}`)
  }
}

class Buy implements fc.AsyncCommand<Model, Real> {
  /** p: the variant; named: whether the line names it (a one-variant product may be bought without). */
  constructor(readonly lines: { p: number; q: number; named: boolean }[]) {}
  check = () => true
  async run(m: Model, r: Real) {
    const orderId = randomUUID()
    const merged = new Map<number, number>()
    for (const l of this.lines) merged.set(l.p, (merged.get(l.p) ?? 0) + l.q)
    const enough = [...merged].every(([p, q]) => m.stock[p]! >= q)
    try {
      const named = (l: { p: number; named: boolean }) => l.named || PRODUCT_OF[l.p] === 0
      await reserveStock(r.deps, orderId, this.lines.map((l) => ({ productId: r.productIds[PRODUCT_OF[l.p]!]!, ...(named(l) ? { variantId: r.variantIds[l.p]! } : {}), quantity: l.q })), 3600)
      assert.ok(enough, 'reserved although the stock was short')
      for (const [p, q] of merged) {
        m.stock[p]! -= q
        m.sold[p]! += q
      }
      m.orders.set(orderId, { lines: [...merged].map(([p, q]) => ({ p, q })), released: false })
    } catch (err) {
      assert.ok(err instanceof AppError && err.code === 'OUT_OF_STOCK', String(err))
      assert.ok(!enough, 'refused although the stock was there')
    }
    await checkInvariant(m, r)
  }
  toString = () => `buy(${JSON.stringify(this.lines)})`
}

class Cancel implements fc.AsyncCommand<Model, Real> {
  constructor(readonly pick: number, readonly twice: boolean) {}
  check = (m: Readonly<Model>) => m.orders.size > 0
  async run(m: Model, r: Real) {
    const [orderId, order] = [...m.orders][this.pick % m.orders.size]!
    await releaseReservation(r.deps, orderId)
    if (this.twice) await releaseReservation(r.deps, orderId)
    if (!order.released) {
      order.released = true
      for (const l of order.lines) {
        m.stock[l.p]! += l.q
        m.released[l.p]! += l.q
      }
    }
    await checkInvariant(m, r)
  }
  toString = () => `cancel(#${this.pick}${this.twice ? ', twice' : ''})`
}

class Confirm implements fc.AsyncCommand<Model, Real> {
  constructor(readonly pick: number) {}
  check = (m: Readonly<Model>) => m.orders.size > 0
  async run(m: Model, r: Real) {
    const [orderId] = [...m.orders][this.pick % m.orders.size]!
    await r.deps.db.transaction((tx) => confirmReservation(tx, orderId))
    await checkInvariant(m, r)
  }
  toString = () => `confirm(#${this.pick})`
}

class Restock implements fc.AsyncCommand<Model, Real> {
  constructor(readonly p: number, readonly q: number) {}
  check = () => true
  async run(m: Model, r: Real) {
    await variants.setVariantStock(r.deps, r.productIds[PRODUCT_OF[this.p]!]!, r.variantIds[this.p]!, m.stock[this.p]! + this.q)
    m.stock[this.p]! += this.q
    m.restocked[this.p]! += this.q
    await checkInvariant(m, r)
  }
  toString = () => `restock(${this.p}, ${this.q})`
}

class Sweep implements fc.AsyncCommand<Model, Real> {
  check = () => true
  async run(m: Model, r: Real) {
    // Reservations here live an hour: the sweep must not touch them.
    await releaseExpired(r.deps)
    await checkInvariant(m, r)
  }
  toString = () => 'sweep'
}

const line = fc.record({ p: fc.integer({ min: 0, max: VARIANTS - 1 }), q: fc.integer({ min: 1, max: 4 }), named: fc.boolean() })
const commands = fc.commands(
  [
    fc.array(line, { minLength: 1, maxLength: 3 }).map((ls) => new Buy(ls)),
    fc.tuple(fc.nat(), fc.boolean()).map(([i, twice]) => new Cancel(i, twice)),
    fc.nat().map((i) => new Confirm(i)),
    fc.tuple(fc.integer({ min: 0, max: VARIANTS - 1 }), fc.integer({ min: 1, max: 5 })).map(([p, q]) => new Restock(p, q)),
    fc.constant(new Sweep()),
  ],
  { maxCommands: 25 },
)

for (const adapters of ['embedded', 'real'] as const) {
  describe(`stock accounting (${adapters})`, () => {
    test('for any sequence of buy, cancel, confirm and restock: initial + restocked - sold + released = stock, per variant; product stock = sum of its variants', async (t) => {
      const db = await openClone(adapters, t)
      const deps = productDeps(db)
      await fc.assert(
        fc.asyncProperty(fc.array(fc.integer({ min: 0, max: 6 }), { minLength: VARIANTS, maxLength: VARIANTS }), commands, async (initial, cmds) => {
          await db.exec('truncate catalog.reservations, catalog.products restart identity cascade')
          const productIds: number[] = []
          for (let p = 0; p < 3; p++) {
            productIds.push(await store.insertProduct(db, { slug: `p-${p}`, name: `P${p}`, description: '', priceAmount: 100, currency: 'USD', categoryId: null, attributes: {}, stock: 0, images: [] }))
          }
          await variants.setOptions(deps, productIds[0]!, [{ name: 'Size', values: ['S', 'M'] }])
          await variants.createVariant(deps, productIds[0]!, { options: { Size: 'M' } })
          const rows = (await db.query<{ id: number; product_id: number }>('select id, product_id from catalog.variants order by product_id, id')).rows
          const variantIds = rows.map((v) => Number(v.id))
          for (let v = 0; v < VARIANTS; v++) await variants.setVariantStock(deps, productIds[PRODUCT_OF[v]!]!, variantIds[v]!, initial[v]!)
          const model: Model = {
            stock: [...initial],
            initial: [...initial],
            restocked: Array(VARIANTS).fill(0),
            sold: Array(VARIANTS).fill(0),
            released: Array(VARIANTS).fill(0),
            orders: new Map(),
          }
          await fc.asyncModelRun(() => ({ model, real: { deps, productIds, variantIds } }), cmds)
        }),
        { numRuns: adapters === 'real' ? 60 : 40 },
      )
    })
  })
}
