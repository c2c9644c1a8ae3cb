import { randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import type { TestContext } from 'node:test'
import { buildApp, type BuiltApp } from '../../src/app.js'
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
}

/**
 * The real app on a fresh database, closed when the test ends. Each app gets
 * its own Redis key prefix and data directory, so test files running in
 * parallel never share cache entries, rate-limit counters or keys.
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
  const dataDir = await mkdtemp(path.join(tmpdir(), 'emporium-test-'))
  scope.after(() => rm(dataDir, { recursive: true, force: true }))
  const env: Record<string, string> = {
    LOG_LEVEL: 'silent',
    SEED_DEMO_PRODUCTS: '0',
    DATA_DIR: dataDir,
    REDIS_KEY_PREFIX: `test${randomBytes(4).toString('hex')}:`,
    ...options.env,
    ...(options.prepare ? await options.prepare(scope) : {}),
  }
  let db
  if (adapters === 'real') {
    env.DATABASE_URL ??= await clonePgDatabase(scope)
    env.REDIS_URL ??= servers.redisUrl
  } else {
    db = await openPgliteClone(scope)
  }
  built = await buildApp({ services: options.services ?? 'all', env, defaultMetrics: false, ...(db ? { db } : {}) })
  return built
}
