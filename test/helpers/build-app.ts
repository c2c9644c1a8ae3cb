import { randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import type { TestContext } from 'node:test'
import { buildApp, type BuildOptions, type BuiltApp } from '../../src/app.js'
import type { Db } from '../../src/platform/db/db.js'
import { clonePgDatabase, openPgliteClone, type Adapters } from './databases.js'
import { servers } from './servers.js'

export interface TestAppOptions {
  /** embedded: PGlite + in-memory cache/limits; real: PostgreSQL + Redis started by npm test. */
  adapters?: Adapters
  services?: string
  env?: Record<string, string>
  /**
   * Sets up resources the app uses (a proxy in front of a server, say) and
   * returns settings for it; what it registers on the scope is cleaned up after
   * the app has closed.
   */
  prepare?: (scope: { after: (fn: () => Promise<void>) => void }) => Promise<Record<string, string>>
  /** Sees every service route as it is registered (BuildOptions.onRoute). */
  onRoute?: BuildOptions['onRoute']
  /** Extra routes (BuildOptions.extend). */
  extend?: BuildOptions['extend']
  /** The app's own logger writes here (BuildOptions.logDestination); set LOG_LEVEL in env to see lines. */
  logDestination?: BuildOptions['logDestination']
}

type Scope = { after: (fn: () => Promise<void>) => void }

/**
 * What every test app starts with: silent, no demo data, its own data directory
 * (removed by the scope) and its own Redis key prefix, so test files running in
 * parallel never share cache entries, rate-limit counters, carts or keys.
 */
export async function testEnv(scope: Scope): Promise<Record<string, string>> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'emporium-test-'))
  scope.after(() => rm(dataDir, { recursive: true, force: true }))
  return {
    LOG_LEVEL: 'silent',
    SEED_DEMO_PRODUCTS: '0',
    DATA_DIR: dataDir,
    REDIS_KEY_PREFIX: `test${randomBytes(4).toString('hex')}:`,
    METRICS_TOKEN: TEST_METRICS_TOKEN,
  }
}

/** Test apps serve /metrics to this bearer token (METRICS_TOKEN). */
export const TEST_METRICS_TOKEN = 'test-metrics-token-0123456789abcdef'
export const METRICS_AUTH = { authorization: `Bearer ${TEST_METRICS_TOKEN}` }

/**
 * A fresh database for one app: a PGlite clone handed in directly (embedded), or
 * a PostgreSQL clone plus the test Redis, set in env (real). Dropped by the scope.
 */
export async function testDatabase(scope: Scope, adapters: Adapters, env: Record<string, string>): Promise<Db | undefined> {
  if (adapters === 'embedded') return openPgliteClone(scope)
  env.DATABASE_URL ??= await clonePgDatabase(scope)
  env.REDIS_URL ??= servers.redisUrl
  return undefined
}

/**
 * The real app on a fresh database (testEnv, testDatabase), closed when the test ends.
 */
export async function buildTestApp(t: Pick<TestContext, 'after'>, options: TestAppOptions = {}): Promise<BuiltApp> {
  const adapters = options.adapters ?? 'embedded'
  // after() hooks run in the order they were added: the app must close before its database goes.
  const cleanups: (() => Promise<void>)[] = []
  const scope = { after: (fn: () => Promise<void>) => void cleanups.push(fn) }
  let built: BuiltApp | undefined
  t.after(async () => {
    await built?.close()
    for (const fn of cleanups.reverse()) await fn()
  })
  const env: Record<string, string> = {
    ...(await testEnv(scope)),
    ...options.env,
    ...(options.prepare ? await options.prepare(scope) : {}),
  }
  const db = await testDatabase(scope, adapters, env)
  built = await buildApp({ services: options.services ?? 'all', env, defaultMetrics: false, ...(db ? { db } : {}), ...(options.onRoute ? { onRoute: options.onRoute } : {}),
    ...(options.extend ? { extend: options.extend } : {}),
    ...(options.logDestination ? { logDestination: options.logDestination } : {}),
  })
  return built
}

/** The JSON lines a test app logged (buildTestApp's logDestination). */
/** The settings that make another test app (adapters 'real') an instance of the same shop as `app`: its database and its Redis keys. */
export function sameShopAs(app: BuiltApp): Record<string, string> {
  return { DATABASE_URL: app.config.DATABASE_URL as string, REDIS_KEY_PREFIX: app.config.REDIS_KEY_PREFIX as string }
}

export function logCapture() {
  const lines: string[] = []
  return { destination: { write: (line: string) => void lines.push(line) }, lines: () => lines.join('') }
}
