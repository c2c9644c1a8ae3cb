import { Type, type Static, type TObject } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'
import { tokenVerifierConfig, type TokenVerifierConfig } from './auth/config.js'
import type { Stopper } from './bus/bus.js'
import { busConfig, type BusConfig } from './bus/config.js'
import { ConfigError, loadConfig, type PlatformConfig } from './config.js'
import type { MigrationSet } from './db/migrate.js'
import type { Deps } from './deps.js'
import { createConsumer, type EventHandlers } from './events/consumer.js'
import { productionProblems } from './profile.js'
import { registerRateLimit, type RateLimitPolicy } from './rate-limit/rate-limit.js'
import type { App } from './server.js'
import { startPeriodic } from './workers.js'

/** Settings every process loads, whichever services it runs: the platform's, token verification, events. */
export type SharedConfig = Readonly<PlatformConfig & TokenVerifierConfig & BusConfig>

/** A service's settings: those of its own schema, and the shared ones. */
export type Settings<S extends TObject> = SharedConfig & Readonly<Static<S>>

export interface PoolSize {
  max: number
  min: number
}

/** What every part of a service receives: the ports, its settings, and its own deps, made once from both. */
export interface ServiceContext<C, D> {
  deps: Deps
  config: C
  domain: D
}

/** Background work that runs every so often in every instance (a sweep, a purge). */
export interface PeriodicJob<C, D> {
  name: string
  everyMs(config: C): number
  /** signal: aborted when the process stops; work that can be redone may give up at once. */
  run(ctx: ServiceContext<C, D>, signal: AbortSignal): Promise<void>
}

/**
 * The events a service consumes: one durable queue per service, shared by its
 * instances; its inbox is <schema>.inbox, created by the migrator.
 */
export interface EventSubscription<C, D> {
  queue: string
  patterns: readonly string[]
  /** Deliveries handled at once by one instance (default: EVENTS_PREFETCH). */
  prefetch?(config: C): number
  /**
   * The handlers, and what they hold open (a mailer's connections) with how to
   * close it; log: what to add to the 'event consumer started' line.
   */
  open(ctx: ServiceContext<C, D>): { handlers: EventHandlers; close?: () => Promise<void>; log?: Record<string, unknown> }
}

/**
 * What a service needs to serve, besides its database (always required). It
 * decides what a process connects to, what its readiness checks, and what the
 * production profile demands at boot (profile.ts).
 */
export interface ServiceNeeds {
  /** Services it calls (/internal routes): in this process, or at <NAME>_SERVICE_URL. */
  peers?: readonly string[]
  /** It verifies access tokens: the auth service in this process, AUTH_JWKS or AUTH_JWKS_URL. */
  accessTokens?: boolean
  /** Redis (REDIS_URL). required: not ready without it; optional: ready, reported degraded; unset: not connected. */
  redis?: 'required' | 'optional'
  /** RabbitMQ (AMQP_URL), same meaning; a service that neither publishes nor consumes does not connect. */
  broker?: 'required' | 'optional'
}

/** Everything a service is, in one object: what its index.ts hands to defineService. */
export interface ServiceSpec<S extends TObject, D> {
  name: string
  /** Mount point; the service's routes are relative to it. */
  prefix: string
  needs: ServiceNeeds
  /** What it reads from the environment (validated with the others at boot). */
  config: S
  pool(config: Settings<S>): PoolSize
  /** The schema it owns and its numbered migrations. */
  migrations: { schema: string; dir: URL }
  /** It writes events to <schema>.outbox (created by the migrator); a relay publishes them. */
  outbox?: boolean
  /** Its per-client limit, applied to its routes before any of them runs. */
  rateLimit?(config: Settings<S>): RateLimitPolicy
  /** Its own deps (what its flows and routes work with), made once per process. */
  domain(deps: Deps, config: Settings<S>): Promise<D>
  /** One-time work after the migrations, before the listener opens (demo data). */
  onStart?(ctx: ServiceContext<Settings<S>, D>): Promise<void>
  subscription?: EventSubscription<Settings<S>, D>
  jobs?: readonly PeriodicJob<Settings<S>, D>[]
  /** Its routes, on an encapsulated scope (hooks and decorators never leak to another service). */
  plugin(app: App, ctx: ServiceContext<Settings<S>, D>): Promise<void>
}

/** A background worker of a running service; BACKGROUND_WORKERS decides whether it starts. */
export interface Worker {
  /** e.g. 'order:order-sweep', 'notification:consumer', 'order:outbox-relay'. */
  name: string
  kind: 'consumer' | 'job' | 'relay'
  start(): Promise<Stopper>
}

/** A service bound to this process's settings and ports: what the composition root mounts and starts. */
export interface RunningService {
  name: string
  onStart(): Promise<void>
  mount(app: App): Promise<void>
  workers: readonly Worker[]
}

/** A service as the composition root and the scripts see it (registry.ts lists them). */
export interface Service {
  readonly name: string
  readonly prefix: string
  readonly config: TObject
  readonly migrations: MigrationSet
  /** The schema of the outbox its relay publishes, if it produces events. */
  readonly outbox: string | undefined
  /** The queue it consumes from and what it is bound to, if it consumes events. */
  readonly subscription: { queue: string; patterns: readonly string[] } | undefined
  readonly needs: ServiceNeeds
  pool(config: SharedConfig): PoolSize
  /** Makes its own deps from the ports; the returned service is ready to mount and start. */
  connect(deps: Deps, config: SharedConfig): Promise<RunningService>
}

/** A Service that still knows its settings' type: for code that imports one service by name (scripts, tests). */
export interface ServiceDefinition<S extends TObject, D> extends Service {
  /** This service's settings out of a process's validated settings. */
  settings(config: SharedConfig): Settings<S>
  /** Its own deps, as connect() makes them. */
  domain(deps: Deps, config: SharedConfig): Promise<D>
}

/**
 * Turns a service's spec into the one object its index.ts exports. The only
 * narrowing from a process's settings (every service's merged) to this
 * service's happens here, in settings(), and it is checked: the settings were
 * validated against a schema that includes this service's, so the check passes
 * unless a caller forgot to load them (then it says so).
 */
export function defineService<S extends TObject, D>(spec: ServiceSpec<S, D>): ServiceDefinition<S, D> {
  const settings = (config: SharedConfig): Settings<S> => {
    if (Value.Check(spec.config, config)) return config
    const first = Value.Errors(spec.config, config).First()
    throw new Error(`the ${spec.name} service's settings were not loaded (${first?.path ?? ''} ${first?.message ?? ''}): load them with loadServiceConfig`)
  }
  const { schema } = spec.migrations
  return {
    name: spec.name,
    prefix: spec.prefix,
    config: spec.config,
    migrations: { ...spec.migrations, outbox: spec.outbox === true, inbox: spec.subscription !== undefined },
    outbox: spec.outbox ? schema : undefined,
    subscription: spec.subscription ? { queue: spec.subscription.queue, patterns: spec.subscription.patterns } : undefined,
    needs: spec.needs,
    settings,
    pool: (config) => spec.pool(settings(config)),
    domain: (deps, config) => spec.domain(deps, settings(config)),
    async connect(deps, shared) {
      const config = settings(shared)
      const ctx: ServiceContext<Settings<S>, D> = { deps, config, domain: await spec.domain(deps, config) }
      const workers: Worker[] = []
      const sub = spec.subscription
      if (sub) workers.push({ name: `${spec.name}:consumer`, kind: 'consumer', start: () => startConsumer(ctx, spec.name, schema, sub) })
      for (const job of spec.jobs ?? []) {
        workers.push({
          name: `${spec.name}:${job.name}`,
          kind: 'job',
          start: async () => startPeriodic({ name: `${spec.name}:${job.name}`, everyMs: job.everyMs(config), log: deps.log, run: (signal) => job.run(ctx, signal) }),
        })
      }
      if (spec.outbox) workers.push({ name: `${spec.name}:outbox-relay`, kind: 'relay', start: () => deps.bus.startRelay(deps.db, schema) })
      return {
        name: spec.name,
        onStart: async () => spec.onStart?.(ctx),
        async mount(app) {
          const limit = spec.rateLimit?.(config)
          await app.register(
            async (scope: App) => {
              if (limit) await registerRateLimit(scope, deps.rateLimit, limit)
              await spec.plugin(scope, ctx)
            },
            { prefix: spec.prefix },
          )
        },
        workers,
      }
    },
  }
}

async function startConsumer<C, D>(ctx: ServiceContext<C, D>, service: string, inboxSchema: string, sub: EventSubscription<C, D>): Promise<Stopper> {
  const { deps, config } = ctx
  const opened = sub.open(ctx)
  const prefetch = sub.prefetch?.(config)
  let stop: Stopper
  try {
    stop = await deps.bus.subscribe(
      createConsumer({
        queue: sub.queue,
        patterns: [...sub.patterns],
        inboxSchema,
        handlers: opened.handlers,
        db: deps.db,
        log: deps.log.child({ service }),
        registry: deps.metrics.registry,
        ...(prefetch ? { prefetch } : {}),
      }),
    )
  } catch (err) {
    await opened.close?.()
    throw err
  }
  deps.log.info({ service, queue: sub.queue, ...opened.log }, 'event consumer started')
  return async () => {
    await stop()
    await opened.close?.()
  }
}

const sharedConfig = Type.Composite([tokenVerifierConfig, busConfig])

/**
 * The settings of a process running these services: the shared ones and each
 * service's, validated once, at boot; under PROFILE=production also everything
 * the services need (profile.ts).
 */
export function loadServiceConfig(services: readonly Service[], env: NodeJS.ProcessEnv = process.env): SharedConfig {
  const config = loadConfig(Type.Composite([sharedConfig, ...services.map((s) => s.config)]), env)
  // Always true (the schema above contains it); it tells the compiler what was just validated.
  if (!Value.Check(sharedConfig, config)) throw new Error('the shared settings did not validate')
  if (config.PROFILE === 'production') {
    const problems = productionProblems(services, config)
    if (problems.length) throw new ConfigError(problems)
  }
  return config
}
