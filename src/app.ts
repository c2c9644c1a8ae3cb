import type { RouteOptions } from 'fastify'
import type { DestinationStream, Logger } from 'pino'
import { pino } from 'pino'
import type { Db } from './platform/db/db.js'
import { migrate } from './platform/db/migrate.js'
import { connect, type Deps } from './platform/deps.js'
import type { ReadinessCheck } from './platform/health.js'
import { loggerOptions } from './platform/logger.js'
import { createMetrics } from './platform/metrics.js'
import { peerLivenessCheck } from './platform/peers.js'
import { peerUrl, processNeeds, waitForPeers, type ProcessNeeds } from './platform/profile.js'
import { createServer, type App, type Lifecycle } from './platform/server.js'
import { loadServiceConfig, type Service, type SharedConfig } from './platform/service.js'
import { startWorkers } from './platform/workers.js'
import { SERVICES, selectServices } from './services/registry.js'
import { storefront } from './storefront/index.js'

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
  /** Where the process's own logger writes (tests read its lines); stdout by default. */
  logDestination?: DestinationStream
  /** A database to use instead of opening one (tests pass a clone of a template). */
  db?: Db
  defaultMetrics?: boolean
  /** Registers extra routes before the app is sealed (benchmarks, tests). */
  extend?: (app: App, deps: Deps) => void | Promise<void>
  /** Sees every service route as it is registered (tests that walk all routes and their schemas). */
  onRoute?: (route: RouteOptions) => void
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
  const logger = options.logger ?? pino(loggerOptions(config, name), options.logDestination)
  const needs = processNeeds(services)
  // Production: the services this one calls must answer before it says it is ready (a bounded wait).
  if (config.PROFILE === 'production') await waitForPeers(config, needs.remotePeers, logger)
  const metrics = createMetrics(name, { defaultMetrics: options.defaultMetrics ?? true })
  const pool = services.map((s) => s.pool(config)).reduce((a, b) => ({ max: Math.max(a.max, b.max), min: Math.max(a.min, b.min) }))
  const deps = await connect(config, {
    name,
    pool,
    log: logger,
    metrics,
    localServices: services.map((s) => s.name),
    redis: needs.redis ?? false,
    events: needs.broker !== undefined,
    // Every consumer's queue, not only this process's: a publisher declares them all before it publishes.
    queues: SERVICES.flatMap((s) => (s.subscription ? [s.subscription] : [])),
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
    const { app, lifecycle } = await createServer({ name, config, logger, metrics, checks: readinessChecks(deps, needs, config) })
    deps.peers.server = app
    if (options.onRoute) app.addHook('onRoute', options.onRoute)
    // The embedded shop also serves the storefront; its settings are checked as it registers, before the listener opens.
    if (options.services === 'all') await app.register(storefront, { env: options.env ?? process.env, server: app })
    for (const s of running) await s.mount(app)
    await options.extend?.(app, deps)
    await app.ready()
    // The auth service's keys before the first request, while it is idle (a failure is logged; requests try again).
    await deps.tokens.warmUp()
    let workers = { started: [] as string[], stop: async () => {} }
    if (config.BACKGROUND_WORKERS) {
      if (deps.bus.kind === 'embedded' && options.services !== 'all' && needs.broker) {
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

/**
 * What readiness checks for these services: the database (and its replica)
 * always; Redis and the broker as the services need them (optional ones only
 * degrade); the peers they call, which must at least be alive.
 */
function readinessChecks(deps: Deps, needs: ProcessNeeds, config: SharedConfig): ReadinessCheck[] {
  const checks: ReadinessCheck[] = Object.entries(deps.checks).map(([name, check]) => ({
    name,
    check,
    required: name === 'redis' ? needs.redis === 'required' : name === 'broker' ? needs.broker === 'required' : true,
  }))
  for (const peer of needs.remotePeers) checks.push(peerLivenessCheck(peer, peerUrl(config, peer)))
  return checks
}
