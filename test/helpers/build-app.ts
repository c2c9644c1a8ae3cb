import { randomBytes } from 'node:crypto'
import type { TestContext } from 'node:test'
import { buildApp, type BuiltApp } from '../../src/app.js'
import { clonePgDatabase, openPgliteClone, type Adapters } from './databases.js'
import { servers } from './servers.js'

export interface TestAppOptions {
  /** embedded: PGlite + in-memory cache/limits; real: PostgreSQL + Redis started by npm test. */
  adapters?: Adapters
  services?: string
  env?: Record<string, string>
}

/**
 * The real app on a fresh database, closed when the test ends. Each app gets
 * its own Redis key prefix, so test files running in parallel never share
 * cache entries or rate-limit counters.
 */
export async function buildTestApp(t: Pick<TestContext, 'after'>, options: TestAppOptions = {}): Promise<BuiltApp> {
  const adapters = options.adapters ?? 'embedded'
  const env: Record<string, string> = {
    LOG_LEVEL: 'silent',
    SEED_DEMO_PRODUCTS: '0',
    REDIS_KEY_PREFIX: `test${randomBytes(4).toString('hex')}:`,
    ...options.env,
  }
  let db
  if (adapters === 'real') {
    env.DATABASE_URL ??= await clonePgDatabase(t)
    env.REDIS_URL ??= servers.redisUrl
  } else {
    db = await openPgliteClone(t)
  }
  const built = await buildApp({ services: options.services ?? 'all', env, defaultMetrics: false, ...(db ? { db } : {}) })
  t.after(() => built.close())
  return built
}
