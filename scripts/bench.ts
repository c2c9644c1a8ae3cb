/**
 * npm run bench [-- --mode embedded|real] [--products 100000] [--requests 20000]
 *               [--concurrency 50] [--rounds 3] [--search-requests 2000]
 *
 * Measures, with ApacheBench (ab -k, the lightest generator here) on loopback:
 *  1. cached GET /api/products?limit=20 against a baseline measured in the same
 *     run: a route in the same server answering the same bytes from memory;
 *  2. uncached full-text search on a catalog of --products products.
 * Figures are medians of --rounds alternating runs. The server runs in its own
 * process; in real mode against the PostgreSQL and Redis of scripts/servers.sh.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { mkdirSync, writeFileSync } from 'node:fs'
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
import { median, serversEnv, waitForHealth } from './bench-support.js'

const { values } = parseArgs({
  options: {
    mode: { type: 'string', default: 'embedded' },
    products: { type: 'string', default: '100000' },
    requests: { type: 'string', default: '20000' },
    concurrency: { type: 'string', default: '50' },
    rounds: { type: 'string', default: '5' },
    'search-requests': { type: 'string', default: '2000' },
    orders: { type: 'string', default: '2000' },
    only: { type: 'string', default: 'list,search,checkout' },
  },
})
const phases = new Set(values.only.split(','))
const mode = values.mode === 'real' ? 'real' : 'embedded'
const products = Number(values.products)
const requests = Number(values.requests)
const concurrency = Number(values.concurrency)
const rounds = Number(values.rounds)
const searchRequests = Number(values['search-requests'])
const port = 18_000 + Math.floor(Math.random() * 1000)
const base = `http://127.0.0.1:${port}`

interface AbResult {
  rps: number
  p50: number
  p99: number
  failed: number
  non2xx: number
  complete: number
}

function ab(url: string, n: number, c: number): AbResult {
  const out = execFileSync('ab', ['-k', '-q', '-c', String(c), '-n', String(n), url], { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 })
  const num = (re: RegExp) => Number(re.exec(out)?.[1] ?? NaN)
  return {
    rps: num(/Requests per second:\s+([\d.]+)/),
    p50: num(/^\s+50%\s+(\d+)/m),
    p99: num(/^\s+99%\s+(\d+)/m),
    failed: num(/Failed requests:\s+(\d+)/),
    non2xx: Number(/Non-2xx responses:\s+(\d+)/.exec(out)?.[1] ?? 0),
    complete: num(/Complete requests:\s+(\d+)/),
  }
}

async function prepareData(): Promise<Record<string, string>> {
  let env: Record<string, string>
  if (mode === 'real') {
    const s = serversEnv()
    const admin = new pg.Client({ connectionString: s.TEST_DATABASE_URL })
    await admin.connect()
    const exists = await admin.query("select 1 from pg_database where datname = 'emporium_bench'")
    if (!exists.rowCount) await admin.query('create database emporium_bench')
    await admin.end()
    const url = new URL(s.TEST_DATABASE_URL!)
    url.pathname = '/emporium_bench'
    env = { DATABASE_URL: url.toString(), REDIS_URL: s.TEST_REDIS_URL!, REDIS_KEY_PREFIX: 'bench:' }
  } else {
    env = { DATA_DIR: path.resolve('.bench/embedded') }
  }
  const config = loadConfig(productConfig, { ...env, LOG_LEVEL: 'warn' })
  const deps = await connect(config, { name: 'bench-seed', pool: { max: 2, min: 0 }, log: pino({ level: 'warn' }), metrics: createMetrics('bench', { defaultMetrics: false }) })
  await migrate(deps.db, productService.migrations)
  const have = await countProducts(deps.db)
  if (have < products) {
    console.log(`seeding ${products - have} products for the benchmark (once; kept in ${mode === 'real' ? 'emporium_bench' : '.bench/embedded'})`)
    await seedDemoCatalog(deps.db, products - have)
  }
  await deps.close()
  return env
}

async function startServer(env: Record<string, string>): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/bench-server.ts'], {
    env: { ...process.env, ...env, PORT: String(port), LOG_LEVEL: 'warn', SEED_DEMO_PRODUCTS: '0', PRODUCT_RATE_LIMIT_MAX: '1000000000' },
    stdio: ['ignore', 'inherit', 'inherit'],
  })
  try {
    await waitForHealth(base, 30_000)
  } catch (err) {
    child.kill('SIGKILL')
    throw err
  }
  return child
}

async function stopServer(child: ChildProcess) {
  const exited = once(child, 'exit')
  child.kill('SIGTERM')
  await exited
}

function check(label: string, r: AbResult, n: number) {
  if (r.failed || r.non2xx || r.complete !== n) throw new Error(`${label}: ${r.failed} failed, ${r.non2xx} non-2xx, ${r.complete}/${n} complete`)
}

const results: Record<string, unknown> = {
  date: new Date().toISOString(),
  machine: `${os.cpus().length} x ${os.cpus()[0]?.model.trim()}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${os.platform()} ${os.release()}, Node ${process.version}`,
  mode,
  products,
  concurrency,
  rounds,
}
const summary = (xs: AbResult[]) => ({ rps: median(xs.map((x) => x.rps)), p50: median(xs.map((x) => x.p50)), p99: median(xs.map((x) => x.p99)) })
const row = (label: string, r: { rps: number; p50: number; p99: number }, extra = '') =>
  `| ${label} | ${Math.round(r.rps).toLocaleString('en')} | ${r.p50} | ${r.p99} | ${extra} |`
const lines: string[] = []
const target = `${base}/api/products?limit=20`
const baseline = `${base}/bench/baseline`

if (phases.has('list') || phases.has('search')) {
  const env = await prepareData()

  if (phases.has('list')) {
    // 1. Cached list vs. the same bytes from memory, alternating, paired per round.
    const server = await startServer(env)
    ab(target, 2000, concurrency)
    ab(baseline, 2000, concurrency)
    const runs: { baseline: AbResult[]; target: AbResult[] } = { baseline: [], target: [] }
    for (let r = 0; r < rounds; r++) {
      for (const [name, url] of [['baseline', baseline], ['target', target]] as const) {
        const res = ab(url, requests, concurrency)
        check(name, res, requests)
        runs[name].push(res)
      }
    }
    // The median of the paired ratios cancels the drift of a noisy machine.
    const ratio = median(runs.target.map((t, i) => t.rps / runs.baseline[i]!.rps))
    const cached = { baseline: summary(runs.baseline), target: summary(runs.target) }
    results.cachedList = { ...cached, ratio, runs }
    lines.push(row('baseline: same bytes from memory', cached.baseline), row('GET /api/products?limit=20 (cached)', cached.target, `ratio ${ratio.toFixed(2)} (target >= 0.8)`))
    await stopServer(server)
  }

  if (phases.has('search')) {
    // 2. Uncached full-text search (the product cache turned off).
    const server = await startServer({ ...env, CACHE_TTL_PRODUCTS_SECONDS: '0' })
    const queries = ['leather boots', 'wireless headphones', 'chair']
    const search: Record<string, ReturnType<typeof summary> & { runs: AbResult[] }> = {}
    for (const q of queries) {
      const url = `${base}/api/products?q=${encodeURIComponent(q)}&limit=20`
      ab(url, 200, concurrency)
      const xs: AbResult[] = []
      for (let r = 0; r < rounds; r++) {
        const res = ab(url, searchRequests, concurrency)
        check(`search ${q}`, res, searchRequests)
        xs.push(res)
      }
      search[q] = { ...summary(xs), runs: xs }
      lines.push(row(`search "${q}" (uncached)`, search[q]!, 'target p99 <= 50 ms'))
    }
    const searchBaseline = summary([ab(baseline, requests, concurrency)])
    lines.push(row('baseline during the search run', searchBaseline))
    results.uncachedSearch = { queries: search, baselineSameRun: searchBaseline }
    await stopServer(server)
  }
}

if (phases.has('checkout')) {
  // 3. Checkout against real PostgreSQL + Redis, whatever the mode.
  const runs: CheckoutResult[] = []
  for (let r = 0; r < Math.min(rounds, 3); r++) runs.push(await benchCheckout({ orders: Number(values.orders), concurrency, port: port + 1 + r }))
  const m = (f: (c: CheckoutResult) => number) => median(runs.map(f))
  results.checkout = { runs, ordersPerSecond: m((c) => c.ordersPerSecond), p50: m((c) => c.p50), p99: m((c) => c.p99), oversold: runs.reduce((n, c) => n + c.oversold, 0) }
  const c = results.checkout as { ordersPerSecond: number; p50: number; p99: number; oversold: number }
  lines.push(
    `| POST /api/orders (checkout + payment, PostgreSQL + Redis) | ${Math.round(c.ordersPerSecond)} orders/s | ${c.p50.toFixed(0)} | ${c.p99.toFixed(0)} | oversold ${c.oversold} (must be 0); ${runs.map((x) => `${x.orders} paid / ${x.refused} out of stock / ${x.errors} errors`).join('; ')}; target >= 500/s |`,
    `| baseline: GET /health/live, same client, same run | ${Math.round(m((x) => x.baselineRps)).toLocaleString('en')} | | | |`,
  )
}

mkdirSync('bench-results', { recursive: true })
const file = `bench-results/bench-${mode}-${new Date().toISOString().replace(/[:.]/g, '-')}.json`
writeFileSync(file, JSON.stringify(results, null, 2))
console.log(`
## npm run bench (${mode}) — ${results.date}
${results.machine}; ${concurrency} connections; medians of ${rounds} runs; catalog of ${products.toLocaleString('en')} products

| request | req/s | p50 ms | p99 ms | note |
|---|---|---|---|---|
${lines.join('\n')}

raw results: ${file}`)
