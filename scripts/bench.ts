/**
 * npm run bench [-- --mode embedded,real] [--only list,search,checkout] [--rounds 5]
 *               [--products 100000] [--requests 20000] [--concurrency 50]
 *               [--search-requests 2000] [--orders 2000] [--database emporium_bench]
 *               [--variant 'label:SETTING=value,...' ...]
 *
 * Measures the shop with the settings it ships with (`npm start`: embedded; the
 * production topology: the product service alone on PostgreSQL + Redis + RabbitMQ),
 * log level, caches and workers as shipped; only the per-client rate limits are
 * raised. With ApacheBench (ab -k) on loopback:
 *  1. cached GET /api/products?limit=20 against two baselines in the same run: a
 *     route of the same server sending the same bytes (what the catalog costs) and
 *     a bare node:http process sending them (what the framework and defaults cost);
 *     in embedded mode also with the request logging of before (two lines a request);
 *  2. uncached search on a catalog of --products products;
 *  3. checkout (scripts/bench-checkout.ts);
 *  4. memory: the embedded shop's first start, idle and loaded, and each production
 *     service process (scripts/bench-memory.ts).
 * Figures are medians of --rounds alternating rounds; ratios are medians of the
 * per-round ratios. RSS of each process after its figure; load average at start and end.
 */
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { parseArgs } from 'node:util'
import pg from 'pg'
import { pino } from 'pino'
import { loadConfig } from '../src/platform/config.js'
import { migrate } from '../src/platform/db/migrate.js'
import { connect } from '../src/platform/deps.js'
import { createMetrics } from '../src/platform/metrics.js'
import { productConfig } from '../src/services/product/config.js'
import { seedDemoCatalog } from '../src/services/product/demo-catalog.js'
import { countProducts } from '../src/services/product/product-store.js'
import { productService } from '../src/services/product/index.js'
import { benchCheckout, type CheckoutResult } from './bench-checkout.js'
import { benchMemory } from './bench-memory.js'
import { ab, abWithCpu, checkAb, cpuMs, loadAverage, median, pgCpuMs, redisPid, serversEnv, startProcess, type AbResult, type BenchProcess } from './bench-support.js'

const { values } = parseArgs({
  options: {
    mode: { type: 'string', default: 'embedded,real' },
    products: { type: 'string', default: '100000' },
    requests: { type: 'string', default: '20000' },
    concurrency: { type: 'string', default: '50' },
    rounds: { type: 'string', default: '5' },
    'search-requests': { type: 'string', default: '2000' },
    orders: { type: 'string', default: '2000' },
    only: { type: 'string', default: 'list,search,checkout,memory' },
    database: { type: 'string', default: 'emporium_bench' },
    // Extra shops measured in the same rounds, e.g. --variant 'no local cache layer:CACHE_LOCAL_MAX_MB=0'.
    variant: { type: 'string', multiple: true, default: [] },
  },
})
const variants = values.variant.map((v) => {
  const [label, settings = ''] = v.split(':')
  return { label: label!, env: Object.fromEntries(settings.split(',').filter(Boolean).map((kv) => kv.split('=') as [string, string])) }
})
const phases = new Set(values.only.split(','))
const modes = values.mode.split(',').filter((m): m is Mode => m === 'embedded' || m === 'real')
type Mode = 'embedded' | 'real'
const products = Number(values.products)
const requests = Number(values.requests)
const concurrency = Number(values.concurrency)
const rounds = Number(values.rounds)
const searchRequests = Number(values['search-requests'])
const database = values.database
if (!/^[a-z_][a-z0-9_]{0,40}$/.test(database)) throw new Error('--database: a lower-case PostgreSQL name')
const stamp = new Date().toISOString().replace(/[:.]/g, '-')
mkdirSync('bench-results', { recursive: true })

// Only the per-client limits are raised: ab is one client sending 100,000s of requests.
const RAISED_LIMITS = { PRODUCT_RATE_LIMIT_MAX: '1000000000', CART_RATE_LIMIT_MAX: '1000000000', ORDER_RATE_LIMIT_MAX: '1000000000' }

/** The bench catalog (seeded once) and the environment of each mode. */
async function prepareData(mode: Mode): Promise<Record<string, string>> {
  let env: Record<string, string>
  if (mode === 'real') {
    const s = serversEnv()
    const admin = new pg.Client({ connectionString: s.TEST_DATABASE_URL })
    await admin.connect()
    const exists = await admin.query('select 1 from pg_database where datname = $1', [database])
    if (!exists.rowCount) await admin.query(`create database ${database}`)
    await admin.end()
    const url = new URL(s.TEST_DATABASE_URL!)
    url.pathname = `/${database}`
    env = { DATABASE_URL: url.toString(), REDIS_URL: s.TEST_REDIS_URL!, REDIS_KEY_PREFIX: `bench${process.pid}:` }
    if (s.TEST_AMQP_URL) env.AMQP_URL = s.TEST_AMQP_URL
  } else {
    env = { DATA_DIR: path.resolve('.bench/embedded') }
  }
  const config = loadConfig(productConfig, { ...env, AMQP_URL: '' })
  const deps = await connect(config, { name: 'bench-seed', pool: { max: 2, min: 0 }, log: pino({ level: 'warn' }), metrics: createMetrics('bench', { defaultMetrics: false }) })
  await migrate(deps.db, productService.migrations)
  const have = await countProducts(deps.db)
  if (have < products) {
    console.log(`seeding ${products - have} products for the benchmark (once; kept in ${mode === 'real' ? database : '.bench/embedded'})`)
    await seedDemoCatalog(deps.db, products - have)
  }
  await deps.close()
  return env
}

interface Figure {
  label: string
  rps: number
  p50: number
  p99: number
  rssMiB: number
  note: string
}
const figures: Figure[] = []
const raw: Record<string, unknown> = {}
const logFile = (name: string) => `bench-results/${stamp}-${name}.log`
const logLines = (file: string) => {
  try {
    return statSync(file).size ? readFileSync(file, 'utf8').split('\n').length - 1 : 0
  } catch {
    return 0
  }
}

function summarize(label: string, runs: AbResult[], proc: BenchProcess, note = ''): Figure {
  const f = { label, rps: median(runs.map((r) => r.rps)), p50: median(runs.map((r) => r.p50)), p99: median(runs.map((r) => r.p99)), rssMiB: proc.rss(), note }
  figures.push(f)
  return f
}

/** Cached list: the shop against its two baselines, round after round. */
async function benchList(mode: Mode, env: Record<string, string>) {
  const services = mode === 'real' ? 'product' : 'all'
  const shopEnv = { ...env, ...RAISED_LIMITS, SEED_DEMO_PRODUCTS: '0', BENCH_SERVICES: services }
  const procs: BenchProcess[] = []
  try {
    const shop = await startProcess(`${mode}-shop`, 'scripts/bench-server.ts', shopEnv, logFile(`${mode}-shop`))
    procs.push(shop)
    const bare = await startProcess(`${mode}-bare`, 'scripts/bench-bare.ts', { BENCH_BARE_FROM: `${shop.base}/api/products?limit=20` }, logFile(`${mode}-bare`))
    procs.push(bare)
    const before = mode === 'embedded' ? await startProcess(`${mode}-before`, 'scripts/bench-server.ts', { ...shopEnv, BENCH_REQUEST_LOG: 'before' }, logFile(`${mode}-before`)) : undefined
    if (before) procs.push(before)
    const targets: Record<string, string> = {
      bare: `${bare.base}/`,
      route: `${shop.base}/bench/baseline`,
      shop: `${shop.base}/api/products?limit=20`,
      // What a browser sends: the same list, compressed.
      gzip: `${shop.base}/api/products?limit=20`,
      ...(before ? { before: `${before.base}/api/products?limit=20` } : {}),
    }
    const variantProcs: Record<string, BenchProcess> = {}
    for (const [i, v] of variants.entries()) {
      const p = await startProcess(`${mode}-variant${i}`, 'scripts/bench-server.ts', { ...shopEnv, ...v.env }, logFile(`${mode}-variant${i}`))
      procs.push(p)
      variantProcs[v.label] = p
      targets[`variant:${v.label}`] = `${p.base}/api/products?limit=20`
    }
    const runs: Record<string, AbResult[]> = {}
    for (const [name, url] of Object.entries(targets)) {
      ab(url, 2000, concurrency)
      runs[name] = []
    }
    const linesBefore = logLines(logFile(`${mode}-shop`))
    const redis = env.REDIS_URL ? redisPid(new URL(env.REDIS_URL).port) : undefined
    const pidOf = (name: string) =>
      (name === 'bare' ? bare : name === 'before' ? before! : name.startsWith('variant:') ? variantProcs[name.slice(8)]! : shop).child.pid
    for (let r = 0; r < rounds; r++) {
      for (const [name, url] of Object.entries(targets)) {
        const pid = pidOf(name)!
        const res = abWithCpu(url, requests, concurrency, { server: () => cpuMs(pid), redis: redis ? () => cpuMs(redis) : undefined }, name === 'gzip' ? ['Accept-Encoding: gzip'] : [])
        checkAb(`${mode} ${name}`, res, requests)
        runs[name]!.push(res)
      }
    }
    const perRequest = (logLines(logFile(`${mode}-shop`)) - linesBefore) / (2 * rounds * requests)
    const ratio = (a: string, b: string) => median(runs[a]!.map((x, i) => x.rps / runs[b]![i]!.rps))
    // CPU per request of the serving process (and Redis): the cost, whatever else runs on the machine.
    const cpu = (name: string) => {
      const server = median(runs[name]!.map((x) => x.cpuUs!.server!))
      const r = median(runs[name]!.map((x) => x.cpuUs!.redis!))
      return `CPU ${server} µs/req${redis ? ` + Redis ${r}` : ''}`
    }
    const where = mode === 'real' ? 'product service, PostgreSQL + Redis' : 'npm start, embedded'
    summarize(`[${mode}] baseline: bare node:http, same bytes`, runs.bare!, bare, cpu('bare'))
    summarize(`[${mode}] baseline: route of the same server, same bytes`, runs.route!, shop, `${ratio('route', 'bare').toFixed(2)} of bare; ${cpu('route')}`)
    summarize(
      `[${mode}] GET /api/products?limit=20, cached (${where})`,
      runs.shop!,
      shop,
      `**ratio ${ratio('shop', 'route').toFixed(2)}** of the route (target >= 0.8), ${ratio('shop', 'bare').toFixed(2)} of bare; ${cpu('shop')}; ${perRequest.toFixed(2)} log lines/request`,
    )
    summarize(`[${mode}] same, with Accept-Encoding: gzip (as browsers send)`, runs.gzip!, shop, `ratio ${ratio('gzip', 'route').toFixed(2)} of the route (uncompressed); ${cpu('gzip')}`)
    if (before) {
      summarize(
        `[${mode}] same, with the request logging of before (2 lines/request)`,
        runs.before!,
        before,
        `ratio ${ratio('before', 'route').toFixed(2)} of the route; now/before ${ratio('shop', 'before').toFixed(2)}; ${cpu('before')}`,
      )
    }
    for (const v of variants) {
      summarize(`[${mode}] same, ${v.label} (${Object.entries(v.env).map(([k, x]) => `${k}=${x}`).join(', ')})`, runs[`variant:${v.label}`]!, variantProcs[v.label]!, `ratio ${ratio(`variant:${v.label}`, 'route').toFixed(2)} of the route; ${cpu(`variant:${v.label}`)}`)
    }
    raw[`list-${mode}`] = runs
  } finally {
    for (const p of procs) await p.stop()
  }
}

const SEARCHES = ['leather boots', 'wireless headphones', 'chair', 'headph', 'wireless headphnes']

/** Uncached search (the product cache off), each query in turn, round after round. */
async function benchSearch(mode: Mode, env: Record<string, string>) {
  const services = mode === 'real' ? 'product' : 'all'
  const shop = await startProcess(`${mode}-search`, 'scripts/bench-server.ts', { ...env, ...RAISED_LIMITS, SEED_DEMO_PRODUCTS: '0', BENCH_SERVICES: services, CACHE_TTL_PRODUCTS_SECONDS: '0' }, logFile(`${mode}-search`))
  try {
    const n = mode === 'real' ? searchRequests : Math.min(searchRequests, 500)
    const urls = SEARCHES.map((q) => `${shop.base}/api/products?q=${encodeURIComponent(q)}&limit=20`)
    const found: string[] = []
    for (const url of urls) {
      const res = await fetch(url)
      if (!res.ok) throw new Error(`${url}: ${res.status} ${await res.text()}`)
      const first = ((await res.json()) as { items: { name: string }[] }).items
      found.push(`${first.length} on the first page${first[0] ? `, first: ${first[0].name}` : ''}`)
      ab(url, 200, concurrency)
    }
    const runs: AbResult[][] = SEARCHES.map(() => [])
    const route: AbResult[] = []
    const readers = { server: () => cpuMs(shop.child.pid!), postgres: mode === 'real' ? () => pgCpuMs(database) : undefined }
    for (let r = 0; r < rounds; r++) {
      for (const [i, url] of urls.entries()) {
        const res = abWithCpu(url, n, concurrency, readers)
        checkAb(`search ${SEARCHES[i]}`, res, n)
        runs[i]!.push(res)
      }
      route.push(ab(`${shop.base}/bench/baseline`, requests / 2, concurrency))
    }
    const cpu = (xs: AbResult[]) =>
      `CPU ${median(xs.map((x) => x.cpuUs!.server!))} µs/req${mode === 'real' ? ` + PostgreSQL ${median(xs.map((x) => x.cpuUs!.postgres!))}` : ''}`
    for (const [i, q] of SEARCHES.entries()) {
      summarize(`[${mode}] search "${q}", uncached, ${products.toLocaleString('en')} products`, runs[i]!, shop, `${found[i]}; ${cpu(runs[i]!)}; target p99 <= 50 ms`)
    }
    summarize(`[${mode}] baseline: route of the same server during the search run`, route, shop)
    raw[`search-${mode}`] = { queries: SEARCHES, runs, route }
  } finally {
    await shop.stop()
  }
}

const loadAtStart = loadAverage()
const started = new Date().toISOString()
for (const mode of modes) {
  if (!phases.has('list') && !phases.has('search')) break
  const env = await prepareData(mode)
  if (phases.has('list')) await benchList(mode, env)
  if (phases.has('search')) await benchSearch(mode, env)
}

const checkoutLines: string[] = []
if (phases.has('checkout')) {
  // Checkout against real PostgreSQL + Redis, whatever the mode.
  const runs: CheckoutResult[] = []
  for (let r = 0; r < Math.min(rounds, 3); r++) runs.push(await benchCheckout({ orders: Number(values.orders), concurrency, database: `${database}_checkout` }))
  const m = (f: (c: CheckoutResult) => number) => median(runs.map(f))
  const oversold = runs.reduce((n, c) => n + c.oversold, 0)
  raw.checkout = runs
  checkoutLines.push(
    `| POST /api/orders (checkout + payment, \`npm start\` on PostgreSQL + Redis) | ${Math.round(m((c) => c.ordersPerSecond))} orders/s | ${m((c) => c.p50).toFixed(0)} | ${m((c) => c.p99).toFixed(0)} | ${Math.max(...runs.map((c) => c.rssMiB))} | oversold ${oversold} (must be 0); ${runs.map((x) => `${x.orders} paid / ${x.refused} refused / ${x.errors} errors`).join('; ')}; target >= 500/s |`,
    `| baseline: GET /health/live, same client, same run | ${Math.round(m((x) => x.baselineRps)).toLocaleString('en')} | | | | |`,
  )
}

if (phases.has('memory')) {
  const mem = await benchMemory({ requests, database })
  raw.memory = mem
  for (const m of mem) checkoutLines.push(`| ${m.label} | | | | ${m.rssMiB} | ${m.note} |`)
}

const loadAtEnd = loadAverage()
const machine = `${os.cpus().length} x ${os.cpus()[0]?.model.trim()}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${os.platform()} ${os.release()}, Node ${process.version}`
const file = `bench-results/bench-${stamp}.json`
writeFileSync(file, JSON.stringify({ started, machine, loadAtStart, loadAtEnd, modes, products, concurrency, rounds, figures, raw }, null, 2))
const rows = figures.map((f) => `| ${f.label} | ${Math.round(f.rps).toLocaleString('en')} | ${f.p50} | ${f.p99} | ${f.rssMiB} | ${f.note} |`)
console.log(`
## npm run bench — ${started}
${machine}; ${concurrency} connections (ab -k); medians of ${rounds} alternating rounds
settings as shipped (log level, caches, workers); raised: the per-client rate limits only (${Object.keys(RAISED_LIMITS).join(', ')})
load average (1/5/15 min): ${loadAtStart} at start, ${loadAtEnd} at end

| request | req/s | p50 ms | p99 ms | RSS MiB after | note |
|---|---|---|---|---|---|
${[...rows, ...checkoutLines].join('\n')}

raw results: ${file}`)
