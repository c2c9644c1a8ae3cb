import type { TestContext } from 'node:test'
import { pino } from 'pino'
import { Registry } from 'prom-client'
import type { EventType } from '../../src/contracts/events.js'
import type { EventBus, Subscription } from '../../src/platform/bus/bus.js'
import { busSettings, type BusSettings } from '../../src/platform/bus/config.js'
import { createEmbeddedBus } from '../../src/platform/bus/embedded-bus.js'
import { createRabbitBus } from '../../src/platform/bus/rabbit-bus.js'
import type { Db } from '../../src/platform/db/db.js'
import { createConsumer, type EventHandler, type EventHandlers } from '../../src/platform/events/consumer.js'
import { openPgClone, openPgliteClone } from './databases.js'
import { createTestConsumerTables, createTestProducer, type TestProducer } from './outbox-producer.js'
import { sharedBroker, uniqueBusNames, type Broker, type BusNames } from './rabbitmq.js'

export interface Scope {
  after(fn: () => Promise<void> | void): void
}

/**
 * Cleanups that run last-registered-first (node:test runs t.after hooks in
 * registration order), so what was opened last (a bus) closes before what it
 * uses (the database).
 */
export function cleanupScope(t: Pick<TestContext, 'after'> | Scope): Scope {
  const fns: (() => Promise<void> | void)[] = []
  ;(t as Scope).after(async () => {
    for (const fn of fns.reverse()) await fn()
  })
  return { after: (fn) => void fns.push(fn) }
}

/** Polls fn until it returns a value other than undefined. */
export async function until<T>(what: string, fn: () => Promise<T | undefined> | T | undefined, timeoutMs = 30_000, everyMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs
  let last: unknown
  for (;;) {
    try {
      const v = await fn()
      if (v !== undefined) return v
    } catch (err) {
      last = err
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`)
    await new Promise((r) => setTimeout(r, everyMs))
  }
}

export type Adapter = 'embedded' | 'rabbitmq'

export interface BusFixture {
  adapter: Adapter
  db: Db
  bus: EventBus
  producer: TestProducer
  settings: BusSettings
  registry: Registry
  names?: BusNames
  scope: Scope
}

/** Fast retries and polling, so the suites run in seconds. */
export const FAST_EVENTS = { EVENTS_DELIVERY_LIMIT: 3, EVENTS_RETRY_BASE_MS: 50, EVENTS_RETRY_MAX_MS: 400, OUTBOX_POLL_MS: 20 }

/** A bus of either adapter on a fresh database with a synthetic producer (testorders) and consumer tables (testconsumer, testconsumer2). */
export async function busFixture(
  t: Pick<TestContext, 'after'> | Scope,
  adapter: Adapter,
  overrides: Record<string, unknown> = {},
  options: { broker?: Broker } = {},
): Promise<BusFixture> {
  const scope = cleanupScope(t)
  const db = adapter === 'embedded' ? await openPgliteClone(scope) : await openPgClone(scope)
  const producer = await createTestProducer(db)
  await createTestConsumerTables(db, 'testconsumer')
  await createTestConsumerTables(db, 'testconsumer2')
  const registry = new Registry()
  const log = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' })
  let bus: EventBus
  let settings: BusSettings
  let names: BusNames | undefined
  if (adapter === 'rabbitmq') {
    const broker = options.broker ?? sharedBroker
    names = uniqueBusNames(scope, ['alpha', 'beta', 'gamma'], broker)
    settings = busSettings({ ...names.env, ...FAST_EVENTS, ...overrides })
    bus = await createRabbitBus({ url: broker.url, name: 'test', settings, log, registry })
  } else {
    settings = busSettings({ ...FAST_EVENTS, ...overrides })
    bus = createEmbeddedBus({ db, settings, log, registry, drainMs: 1000 })
  }
  scope.after(() => bus.close())
  return { adapter, db, bus, producer, settings, registry, scope, ...(names ? { names } : {}) }
}

const ORDER_TYPES = ['order.placed', 'order.paid', 'order.shipped', 'order.cancelled', 'order.delivered'] as const

/**
 * A consumer whose effect is one row in <schema>.effects per handled event,
 * written in the inbox transaction; `before` runs first and may throw.
 */
export function effectConsumer(
  f: Pick<BusFixture, 'db' | 'registry'>,
  o: {
    queue: string
    patterns?: string[]
    schema?: string
    prefetch?: number
    versions?: number[]
    before?: (event: { id: string; type: string; version: number }) => Promise<void> | void
  },
): Subscription {
  const schema = o.schema ?? 'testconsumer'
  const handler: EventHandler<EventType> = {
    ...(o.versions ? { versions: o.versions } : {}),
    async handle(event, ctx) {
      await o.before?.(event)
      await ctx.commit(async (tx) => {
        await tx.query(`insert into ${schema}.effects (event_id, type, aggregate_id) values ($1, $2, $3)`, [event.id, event.type, event.aggregate.id])
      })
    },
  }
  const handlers = Object.fromEntries(ORDER_TYPES.map((type) => [type, handler])) as EventHandlers
  return createConsumer({
    queue: o.queue,
    patterns: o.patterns ?? ['order.*'],
    inboxSchema: schema,
    handlers,
    db: f.db,
    log: pino({ level: 'silent' }),
    registry: f.registry,
    ...(o.prefetch ? { prefetch: o.prefetch } : {}),
  })
}

/** The effect rows of a consumer schema, oldest first. */
export async function effects(db: Db, schema = 'testconsumer'): Promise<{ event_id: string; type: string; aggregate_id: string }[]> {
  const { rows } = await db.query<{ event_id: string; type: string; aggregate_id: string }>(
    `select event_id, type, aggregate_id from ${schema}.effects order by at`,
  )
  return rows
}

/** The value of a counter in a registry, for the given labels. */
export async function counterValue(registry: Registry, name: string, labels: Record<string, string>): Promise<number> {
  const metric = await registry.getSingleMetric(name)?.get()
  const hit = metric?.values.find((v) => Object.entries(labels).every(([k, val]) => v.labels[k] === val))
  return hit?.value ?? 0
}

/** How many observations a histogram has (all label sets together). */
export async function histogramCount(registry: Registry, name: string): Promise<number> {
  const metric = await registry.getSingleMetric(name)?.get()
  return (metric?.values ?? [])
    .filter((v) => (v as { metricName?: string }).metricName === `${name}_count`)
    .reduce((sum, v) => sum + v.value, 0)
}
