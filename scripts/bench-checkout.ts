/**
 * The checkout part of `npm run bench`: orders per second through
 * POST /api/orders (cart -> reservation -> order -> payment) with real
 * PostgreSQL and Redis, 50 buyers at a time, each checkout with its own
 * Idempotency-Key and a test card. Checks for oversell afterwards: for every
 * product, initial stock = final stock + units in orders, and never below 0.
 */
import { randomUUID } from 'node:crypto'
import pg from 'pg'
import { tokenMinter } from '../test/helpers/token-minter.js'
import { serversEnv, startProcess } from './bench-support.js'

export interface CheckoutResult {
  orders: number
  refused: number
  errors: number
  seconds: number
  ordersPerSecond: number
  p50: number
  p99: number
  oversold: number
  baselineRps: number
  /** Resident memory of the shop process after the run. */
  rssMiB: number
}

const ADDRESS = { name: 'Bench Buyer', line1: '1 Load St', city: 'Testville', postalCode: '12345', country: 'US' }
const CARD = { number: '4242424242424242', expMonth: 12, expYear: 2034, cvc: '123' }

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN

/** Runs `count` tasks, `concurrency` at a time; returns each task's latency in ms. */
async function pool<T>(items: T[], concurrency: number, task: (item: T) => Promise<void>): Promise<number[]> {
  const latencies: number[] = []
  let next = 0
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) {
        const item = items[next++]!
        const t0 = performance.now()
        await task(item)
        latencies.push(performance.now() - t0)
      }
    }),
  )
  return latencies.sort((a, b) => a - b)
}

export async function benchCheckout(options: { orders: number; concurrency: number; database: string }): Promise<CheckoutResult> {
  const s = serversEnv()
  const admin = new pg.Client({ connectionString: s.TEST_DATABASE_URL })
  await admin.connect()
  await admin.query(`drop database if exists ${options.database} with (force)`)
  await admin.query(`create database ${options.database}`)
  await admin.end()
  const url = new URL(s.TEST_DATABASE_URL!)
  url.pathname = `/${options.database}`
  const minter = await tokenMinter()
  // Every service in one process, at its shipped settings (log level included); only the per-client limits raised.
  // BENCH_NODE_ARGS='--cpu-prof --cpu-prof-dir=/tmp/prof' profiles the server.
  const shop = await startProcess(
    'checkout',
    'scripts/bench-server.ts',
    {
      DATABASE_URL: url.toString(),
      REDIS_URL: s.TEST_REDIS_URL!,
      REDIS_KEY_PREFIX: `bench${Date.now()}:`,
      JWT_SECRET: minter.secret,
      SEED_DEMO_PRODUCTS: '0',
      ORDER_RATE_LIMIT_MAX: '1000000000',
      CART_RATE_LIMIT_MAX: '1000000000',
      PRODUCT_RATE_LIMIT_MAX: '1000000000',
    },
    `bench-results/checkout-${options.database}.log`,
    (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean),
  )
  const base = shop.base
  const db = new pg.Pool({ connectionString: url.toString(), max: 4 })
  try {
    // 20 products; 10 % less stock than the buyers want, so refusals are part of the run.
    const products = 20
    const demand = options.orders
    const perProduct = Math.floor((demand * 0.9) / products)
    const { rows } = await db.query<{ id: number }>(
      `insert into catalog.products (slug, name, price_amount, currency, stock)
       select 'bench-item-' || n, 'Bench Item ' || n, 1000 + n, 'USD', $1 from generate_series(1, $2) n returning id`,
      [perProduct, products],
    )
    const ids = rows.map((r) => Number(r.id))
    const initial = perProduct * products
    const buyers = await Promise.all(Array.from({ length: demand }, () => minter.customer('bench')))
    const post = (path: string, headers: Record<string, string>, body: unknown) =>
      fetch(base + path, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify(body) })
    // Carts are filled before the clock starts: one unit of one product each.
    await pool(buyers, options.concurrency, async (b) => {
      const productId = ids[Math.floor(Math.random() * ids.length)]!
      const r = await post('/api/cart/items', b.headers, { productId, quantity: 1 })
      if (!r.ok) throw new Error(`cart: ${r.status} ${await r.text()}`)
    })
    // Baseline in the same run: the same client loop against a route that does nothing.
    const baselineN = Math.min(5000, demand * 2)
    const tb = performance.now()
    await pool(Array.from({ length: baselineN }), options.concurrency, async () => {
      await (await fetch(`${base}/health/live`)).arrayBuffer()
    })
    const baselineRps = baselineN / ((performance.now() - tb) / 1000)

    let orders = 0
    let refused = 0
    let errors = 0
    const t0 = performance.now()
    const latencies = await pool(buyers, options.concurrency, async (b) => {
      const r = await post('/api/orders', { ...b.headers, 'idempotency-key': randomUUID() }, { shippingAddress: ADDRESS, payment: { card: CARD } })
      await r.arrayBuffer()
      if (r.status === 201) orders++
      else if (r.status === 409) refused++
      else errors++
    })
    const seconds = (performance.now() - t0) / 1000
    const sold = await db.query<{ id: number; stock: number; sold: number }>(
      `select p.id, p.stock, coalesce((select sum(quantity) from orders.order_lines l where l.product_id = p.id), 0)::int as sold
       from catalog.products p where p.id = any($1::bigint[])`,
      [ids],
    )
    // Units sold beyond the stock, plus any unit unaccounted for: both must be 0.
    const oversold = sold.rows.reduce((n, r) => n + Math.max(0, r.sold - perProduct) + Math.abs(perProduct - r.sold - r.stock) + (r.stock < 0 ? 1 : 0), 0)
    if (sold.rows.reduce((n, r) => n + r.sold, 0) > initial) throw new Error('oversold')
    return {
      orders,
      refused,
      errors,
      seconds,
      ordersPerSecond: orders / seconds,
      p50: percentile(latencies, 50),
      p99: percentile(latencies, 99),
      oversold,
      baselineRps,
      rssMiB: shop.rss(),
    }
  } finally {
    await db.end()
    await shop.stop()
  }
}
