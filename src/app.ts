import type { Logger } from 'pino'
import { pino } from 'pino'
import type { Db } from './platform/db/db.js'
import { migrate } from './platform/db/migrate.js'
import { connect, type Deps } from './platform/deps.js'
import { loggerOptions } from './platform/logger.js'
import { createMetrics } from './platform/metrics.js'
import { createServer, type App, type Lifecycle } from './platform/server.js'
import { loadServiceConfig, type Service, type SharedConfig } from './platform/service.js'
import { startWorkers } from './platform/workers.js'
import { registerHomePage } from './home.js'
import { selectServices } from './services/registry.js'

export interface BuiltApp {
  app: App
  lifecycle: Lifecycle
  deps: Deps
  config: SharedConfig
  services: Service[]
  /** The background workers running in this process (none with BACKGROUND_WORKERS=false). */
  workers: string[]
  /** Stops the background workers (before the server and the pools close). */
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
 * one-time start-up work, the services mounted on one server, then their
 * background work. Everything about a service comes from its definition.
 */
export async function buildApp(options: BuildOptions): Promise<BuiltApp> {
  const services = selectServices(options.services)
  const config = loadServiceConfig(services, options.env ?? process.env)
  const name = options.services === 'all' ? 'emporium' : services[0]!.name
  const logger = options.logger ?? pino(loggerOptions(config, name))
  const metrics = createMetrics(name, { defaultMetrics: options.defaultMetrics ?? true })
  const pool = services.map((s) => s.pool(config)).reduce((a, b) => ({ max: Math.max(a.max, b.max), min: Math.max(a.min, b.min) }))
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
      const applied = await migrate(deps.db, s.migrations)
      if (applied.length) logger.info({ service: s.name, applied }, 'migrations applied')
    }
    const running = []
    for (const s of services) running.push(await s.connect(deps, config))
    for (const s of running) await s.onStart()
    const { app, lifecycle } = await createServer({ name, config, logger, metrics, checks: deps.checks })
    deps.peers.server = app
    if (options.services === 'all') registerHomePage(app)
    for (const s of running) await s.mount(app)
    await options.extend?.(app, deps)
    await app.ready()
    let workers = { started: [] as string[], stop: async () => {} }
    if (config.BACKGROUND_WORKERS) {
      if (deps.bus.kind === 'embedded' && options.services !== 'all') {
        logger.warn('no AMQP_URL: events only reach consumers in this process; services running apart need RabbitMQ')
      }
      workers = await startWorkers(running.flatMap((s) => s.workers), logger)
    }
    return {
      app,
      lifecycle,
      deps,
      config,
      services,
      workers: workers.started,
      stopWorkers: workers.stop,
      async close() {
        await workers.stop()
        await app.close()
        await deps.close()
      },
    }
  } catch (err) {
    await deps.close()
    throw err
  }
}
