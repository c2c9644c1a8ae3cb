import type { Logger } from 'pino'
import type { Registry } from 'prom-client'
import type { EventEnvelope } from '../../contracts/events.js'
import { retryDelay, sleep, type Stopper } from '../bus/bus.js'
import type { Db } from '../db/db.js'
import { toEnvelope } from './envelope.js'
import { eventMetrics } from './event-metrics.js'
import { markPublished, recordFailure, selectHeads } from './outbox-store.js'
import { runPollLoop } from './poll-loop.js'

/** What the broker said about one published event. Only 'published' marks the row. */
export type PublishOutcome = 'published' | 'unroutable' | 'nacked' | 'unconfirmed'

export interface BatchPublisher {
  /** Resolves once the broker takes publishes (connected, not blocked), or when the signal aborts. */
  whenWritable(signal: AbortSignal): Promise<void>
  /** Publishes in the given order and waits for the broker's confirms; an outcome per event id. */
  publish(events: EventEnvelope[]): Promise<Map<string, PublishOutcome>>
}

export interface RelayOptions {
  db: Db
  schema: string
  publisher: BatchPublisher
  log: Logger
  registry: Registry
  pollMs: number
  batchSize: number
  retry: { baseMs: number; maxMs: number }
}

/**
 * The outbox relay: one loop per outbox table per instance. Each batch is one
 * transaction: take the oldest unpublished head event of each aggregate with
 * FOR UPDATE SKIP LOCKED (relays in other instances take other rows), publish
 * them with confirms and `mandatory`, mark published what the broker confirmed
 * as routed, commit. A crash anywhere before the commit leaves the rows
 * unpublished: they are published again (consumers drop the duplicate by id).
 */
export function startOutboxRelay(o: RelayOptions): Stopper {
  const log = o.log.child({ outbox: o.schema })
  const metrics = eventMetrics(o.registry)
  const ledger = createBackoffLedger(o.retry)
  const stop = new AbortController()

  const batch = async (): Promise<number> =>
    o.db.transaction(async (tx) => {
      const rows = await selectHeads(tx, o.schema, { limit: o.batchSize, window: o.batchSize * 5, exclude: ledger.excluded(), lock: true })
      if (!rows.length) return 0
      const timer = metrics.relayBatch.startTimer({ schema: o.schema })
      try {
        const outcomes = await o.publisher.publish(rows.map(toEnvelope))
        const by = groupOutcomes(rows.map((r) => r.id), outcomes)
        await markPublished(tx, o.schema, by.published)
        await recordFailure(tx, o.schema, by.unroutable, 'unroutable: no queue is bound for this event type')
        await recordFailure(tx, o.schema, by.nacked, 'nacked by the broker')
        for (const id of by.published) ledger.succeeded(id)
        for (const id of [...by.unroutable, ...by.nacked]) ledger.failed(id)
        for (const [result, ids] of Object.entries(by)) if (ids.length) metrics.relayed.inc({ schema: o.schema, result }, ids.length)
        if (by.unroutable.length) log.warn({ events: by.unroutable.length }, 'unroutable events stay in the outbox until a queue is bound')
        return by.published.length
      } finally {
        timer()
      }
    })

  const loop = runPollLoop({
    signal: stop.signal,
    log,
    failure: 'relay batch failed; retrying',
    ready: () => o.publisher.whenWritable(stop.signal),
    step: async () => (await batch()) > 0,
    idle: () => sleep(o.pollMs, stop.signal),
  })

  return async () => {
    stop.abort()
    await loop
  }
}

export function groupOutcomes(ids: string[], outcomes: Map<string, PublishOutcome>): Record<PublishOutcome, string[]> {
  const by: Record<PublishOutcome, string[]> = { published: [], unroutable: [], nacked: [], unconfirmed: [] }
  for (const id of ids) by[outcomes.get(id) ?? 'unconfirmed'].push(id)
  return by
}

/**
 * Rows whose publish failed (unroutable, nacked) wait before the next try, with
 * exponential back-off, so one bad row costs no hot loop and holds back only
 * the later events of its own aggregate. In memory: a restart tries at once.
 */
export function createBackoffLedger(retry: { baseMs: number; maxMs: number }) {
  const entries = new Map<string, { until: number; failures: number }>()
  return {
    excluded(): string[] {
      const now = Date.now()
      return [...entries].filter(([, e]) => e.until > now).map(([id]) => id)
    },
    failed(id: string) {
      const failures = (entries.get(id)?.failures ?? 0) + 1
      entries.set(id, { failures, until: Date.now() + retryDelay(failures - 1, retry) })
      if (entries.size > 100_000) entries.delete(entries.keys().next().value!)
    },
    succeeded(id: string) {
      entries.delete(id)
    },
  }
}
