/**
 * The memory part of `npm run bench` (--only memory): resident memory of
 *  1. the embedded shop as `npm start` runs it: the peak during a first start
 *     (initdb, migrations, seeding the demo catalog), idle, after load, and after
 *     a second start on the same data;
 *  2. each production service process, `node dist/main.js <service>` (needs
 *     `npm run build`), on PostgreSQL + Redis + RabbitMQ: after start, after load.
 * RSS is sampled from /proc every 20 ms, so the peak of a start is seen even
 * while the process's own event loop is busy.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import pg from 'pg'
import { SERVICE_NAMES } from '../src/services/registry.js'
import { ab, rssMiB, serversEnv, waitForHealth } from './bench-support.js'

export interface MemoryFigure {
  label: string
  rssMiB: number
  note: string
}

interface Watched {
  child: ChildProcess
  base: string
  /** Highest RSS seen so far, MiB. */
  peak(): number
  stop(): Promise<void>
}

/** Starts a process that logs "listening on http://host:port" (main.ts) and samples its RSS until it stops. */
async function watch(args: string[], env: Record<string, string>): Promise<Watched> {
  const child = spawn(process.execPath, args, { env: { ...process.env, ...env, PORT: '0' }, stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  child.stdout!.on('data', (d) => (out += d))
  child.stderr!.on('data', (d) => (out += d))
  let peak = 0
  const timer = setInterval(() => (peak = Math.max(peak, rssMiB(child.pid!) || 0)), 20)
  const exited = once(child, 'exit').finally(() => clearInterval(timer))
  const until = Date.now() + 120_000
  let port: string | undefined
  while (!port) {
    port = /listening on http:\/\/[^:]+:(\d+)/.exec(out)?.[1]
    if (child.exitCode !== null || Date.now() > until) throw new Error(`${args.join(' ')} did not start: ${out.slice(-2000)}`)
    await new Promise((r) => setTimeout(r, 20))
  }
  const base = `http://127.0.0.1:${port}`
  await waitForHealth(base, 30_000)
  return {
    child,
    base,
    peak: () => peak,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM')
      await exited
    },
  }
}

/** Starts, notes the peak RSS of the start, the RSS idle and after load(), stops. */
async function startAndLoad(args: string[], env: Record<string, string>, requests: number) {
  const proc = await watch(args, env)
  const peak = proc.peak()
  await settle()
  const idle = rssMiB(proc.child.pid!)
  load(proc.base, requests)
  await settle()
  const loaded = rssMiB(proc.child.pid!)
  await proc.stop()
  return { peak, idle, loaded }
}

const settle = () => new Promise((r) => setTimeout(r, 2000))
const RAISED = { PRODUCT_RATE_LIMIT_MAX: '1000000000', CART_RATE_LIMIT_MAX: '1000000000', ORDER_RATE_LIMIT_MAX: '1000000000', AUTH_RATE_LIMIT_MAX: '1000000000' }

/** Cached list, product pages, uncached searches: what a shop's visitors send. */
function load(base: string, requests: number) {
  ab(`${base}/api/products?limit=20`, requests, 50)
  ab(`${base}/api/products/1`, requests / 4, 50)
  for (const q of ['leather boots', 'chair', 'headph']) ab(`${base}/api/products?q=${encodeURIComponent(q)}&limit=20`, 500, 20)
}

export async function benchMemory(options: { requests: number; database: string }): Promise<MemoryFigure[]> {
  const figures: MemoryFigure[] = []
  // 1. Embedded: the command npm start runs, on a new data directory.
  const npmStart = JSON.parse(readFileSync('package.json', 'utf8')).scripts.start as string
  const args = npmStart.replace(/^node /, '').split(' ')
  const dataDir = mkdtempSync(path.join(tmpdir(), 'emporium-bench-mem-'))
  try {
    const first = await startAndLoad(args, { DATA_DIR: dataDir, ...RAISED }, options.requests)
    const second = await startAndLoad(args, { DATA_DIR: dataDir, ...RAISED }, options.requests)
    const cmd = `\`${npmStart}\``
    figures.push(
      { label: `[embedded] ${cmd}, first start (initdb, migrations, 2,000 demo products): peak`, rssMiB: first.peak, note: 'target <= 500 MiB' },
      { label: '[embedded] idle after the first start', rssMiB: first.idle, note: '' },
      { label: '[embedded] after load (cached lists, product pages, searches)', rssMiB: first.loaded, note: 'target <= 400 MiB' },
      { label: '[embedded] second start on the same data: idle, after load', rssMiB: second.loaded, note: `idle ${second.idle} MiB; target <= 400 MiB` },
    )
  } finally {
    rmSync(dataDir, { recursive: true, force: true })
  }

  // 2. One process per service, as PM2 runs them.
  if (!existsSync('dist/main.js')) {
    figures.push({ label: '[production] node dist/main.js <service>', rssMiB: NaN, note: 'skipped: run `npm run build` first' })
    return figures
  }
  const s = serversEnv()
  const admin = new pg.Client({ connectionString: s.TEST_DATABASE_URL })
  await admin.connect()
  const database = `${options.database}_mem`
  await admin.query(`drop database if exists ${database} with (force)`)
  await admin.query(`create database ${database}`)
  const url = new URL(s.TEST_DATABASE_URL!)
  url.pathname = `/${database}`
  const keysDir = mkdtempSync(path.join(tmpdir(), 'emporium-bench-keys-'))
  try {
    const env = {
      DATA_DIR: keysDir,
      DATABASE_URL: url.toString(),
      REDIS_URL: s.TEST_REDIS_URL!,
      REDIS_KEY_PREFIX: `benchmem${process.pid}:`,
      ...(s.TEST_AMQP_URL ? { AMQP_URL: s.TEST_AMQP_URL } : {}),
      INTERNAL_API_TOKEN: 'bench-internal-token-0123456789abcdef',
      // Fetched only when a token comes; none does here.
      AUTH_JWKS_URL: 'http://127.0.0.1:9/jwks.json',
      SEED_DEMO_PRODUCTS: '2000',
      ...RAISED,
    }
    for (const service of SERVICE_NAMES) {
      const proc = await watch(['dist/main.js', service], env)
      await settle()
      const started = rssMiB(proc.child.pid!)
      if (service === 'product') load(proc.base, options.requests)
      else ab(`${proc.base}/health/live`, options.requests, 50)
      await settle()
      figures.push({
        label: `[production] node dist/main.js ${service}, after load`,
        rssMiB: rssMiB(proc.child.pid!),
        note: `after start ${started} MiB; ${service === 'product' ? 'cached lists, product pages, searches' : '/health/live'}; target <= 150 MiB`,
      })
      await proc.stop()
    }
  } finally {
    rmSync(keysDir, { recursive: true, force: true })
    await admin.query(`drop database if exists ${database} with (force)`)
    await admin.end()
  }
  return figures
}
