import type { Logger } from 'pino'
import { pino } from 'pino'
import { loadConfig, type PlatformConfig } from './platform/config.js'
import type { Db } from './platform/db/db.js'
import { migrate } from './platform/db/migrate.js'
import { connect, type Deps } from './platform/deps.js'
import { loggerOptions } from './platform/logger.js'
import { createMetrics } from './platform/metrics.js'
import { createServer, type App, type Lifecycle } from './platform/server.js'
import { registerHomePage } from './home.js'
import { configSchemaOf, selectServices, startWorkers, type ServiceDefinition } from './services/registry.js'

export interface BuiltApp {
  app: App
  lifecycle: Lifecycle
  deps: Deps
  config: Readonly<PlatformConfig & Record<string, unknown>>
  services: ServiceDefinition<never>[]
  /** Stops the event relays and consumers (before the server and the pools close). */
  stopWorkers(): Promise<void>
  /** Closes the server and everything it opened. */
  close(): Promise<void>
}

export interface BuildOptions {
  /** 'all' (the embedded shop) or one service name (one PM2 app). */
  services: string
  env?: NodeJS.ProcessEnv
  logger?: Logger
  /** A database to use instead of opening one (tests pass a clone of a template). */
  db?: Db
  defaultMetrics?: boolean
  /** Registers extra routes before the app is sealed (benchmarks, tests). */
  extend?: (app: App, deps: Deps) => void | Promise<void>
}

/**
 * The composition root: validated configuration, adapters, migrations,
 * one-time start-up work, then the services mounted on one server.
 */
export async function buildApp(options: BuildOptions): Promise<BuiltApp> {
  const services = selectServices(options.services)
  const config = loadConfig(configSchemaOf(services), options.env ?? process.env) as BuiltApp['config']
  const name = options.services === 'all' ? 'emporium' : services[0]!.name
  const logger = options.logger ?? pino(loggerOptions(config, name))
  const metrics = createMetrics(name, { defaultMetrics: options.defaultMetrics ?? true })
  const pool = services
    .map((s) => s.pool(config as never))
    .reduce((a, b) => ({ max: Math.max(a.max, b.max), min: Math.max(a.min, b.min) }))
  const deps = await connect(config, {
    name,
    pool,
    log: logger,
    metrics,
    localServices: services.map((s) => s.name),
    ...(options.db ? { db: options.db } : {}),
  })
  try {
    for (const s of services) {
      if (s.migrations) {
        const applied = await migrate(deps.db, s.migrations)
        if (applied.length) logger.info({ service: s.name, applied }, 'migrations applied')
      }
    }
    for (const s of services) await s.onStart?.(deps, config as never)
    const { app, lifecycle } = await createServer({ name, config, logger, metrics, checks: deps.checks })
    deps.peers.server = app
    if (options.services === 'all') registerHomePage(app)
    for (const s of services) {
      await app.register(async (scope) => s.plugin(scope as App, { deps, config: config as never }), { prefix: s.prefix })
    }
    await options.extend?.(app, deps)
    await app.ready()
    const stopWorkers = await startWorkers(services, deps, config)
    return {
      app,
      lifecycle,
      deps,
      config,
      services,
      stopWorkers,
      async close() {
        await stopWorkers()
        await app.close()
        await deps.close()
      },
    }
  } catch (err) {
    await deps.close()
    throw err
  }
}
