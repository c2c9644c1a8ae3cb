import type { Logger } from 'pino'
import type { Registry } from 'prom-client'
import type { EventEnvelope } from '../../contracts/events.js'
import type { Db } from '../db/db.js'
import { toEnvelope } from '../events/envelope.js'
import { eventMetrics } from '../events/event-metrics.js'
import { markPublished, recordFailure, selectHeads } from '../events/outbox-store.js'
import { runPollLoop } from '../events/poll-loop.js'
import { createBackoffLedger } from '../events/relay.js'
import { isPermanent, retryDelay, sleep, topicMatches, type EventBus, type Stopper, type Subscription } from './bus.js'
import type { BusSettings } from './config.js'
import { countDeadLetters, deleteReplayed, findReplays, insertDeadLetter, migrateDeadLetters, requestReplay } from './dead-letter-store.js'

export interface EmbeddedBusOptions {
  db: Db
  settings: BusSettings
  log: Logger
  registry: Registry
  /** How long stopping waits for deliveries being handled. */
  drainMs?: number
}

type Outcome = 'handled' | 'dead-lettered'

interface EmbeddedQueue {
  sub: Subscription
  /** Settles when handled or dead-lettered; rejects when the queue or the caller's signal stops it first. */
  deliver(event: EventEnvelope, sourceSchema: string, signal?: AbortSignal): Promise<Outcome>
  pending(): number
  /** Resolves when no handler runs. */
  idle(): Promise<void>
}

/**
 * The in-process adapter. There is no broker: a relay per outbox reads the
 * outbox table itself and hands each event to the subscribers whose patterns
 * match, and marks the row published only once every one of them has handled
 * it or dead-lettered it. The outbox is the queue, so an event committed before
 * a crash is delivered after the restart. Same semantics as RabbitMQ: the
 * oldest unpublished event of an aggregate first, retries with back-off, dead
 * letters after the delivery limit (in eventbus.dead_letters), an event no
 * subscriber wants stays unpublished. One process per database: with several
 * instances, use RabbitMQ.
 */
export function createEmbeddedBus(o: EmbeddedBusOptions): EventBus {
  const { db, settings } = o
  const metrics = eventMetrics(o.registry)
  const queues = new Map<string, EmbeddedQueue>()
  const stoppers = new Set<Stopper>()
  const drainMs = o.drainMs ?? 5000
  let store: Promise<unknown> | undefined
  const ensureStore = () =>
    (store ??= migrateDeadLetters(db).catch((err: unknown) => {
      store = undefined
      throw err
    }))
  const track = (stop: Stopper): Stopper => {
    const once = async () => {
      if (stoppers.delete(once)) await stop()
    }
    stoppers.add(once)
    return once
  }

  function openQueue(sub: Subscription, stopping: AbortSignal): EmbeddedQueue {
    const log = o.log.child({ queue: sub.queue })
    const limit = sub.prefetch ?? settings.prefetch
    let active = 0
    const waiting = new Set<() => void>()
    const idlers: (() => void)[] = []
    return {
      sub,
      // Like RabbitMQ's ready count: handed over and waiting for a slot, not the ones being handled.
      pending: () => waiting.size,
      idle: () => (active === 0 ? Promise.resolve() : new Promise<void>((resolve) => idlers.push(resolve))),
      async deliver(event, sourceSchema, signal) {
        const stop = signal ? AbortSignal.any([stopping, signal]) : stopping
        while (active >= limit && !stop.aborted) {
          await new Promise<void>((resolve) => {
            const wake = () => {
              waiting.delete(wake)
              stop.removeEventListener('abort', wake)
              resolve()
            }
            waiting.add(wake)
            stop.addEventListener('abort', wake, { once: true })
          })
        }
        if (stop.aborted) throw new Error(`delivery to ${sub.queue} stopped`)
        active++
        try {
          for (let count = 0; ; count++) {
            if (stop.aborted) throw new Error(`delivery to ${sub.queue} stopped`)
            try {
              // A copy through JSON, as a broker would hand it over.
              await sub.handle({ body: JSON.parse(JSON.stringify(event)), messageId: event.id, deliveryCount: count })
              return 'handled'
            } catch (err) {
              if (stop.aborted) throw err
              if (isPermanent(err) || count >= settings.deliveryLimit) {
                const reason = `${isPermanent(err) ? 'rejected' : 'delivery_limit'}: ${(err as Error).message}`
                await insertDeadLetter(db, { queue: sub.queue, event, sourceSchema, reason, deliveries: count + 1 })
                metrics.consumed.inc({ queue: sub.queue, result: 'dead_lettered' })
                log.error({ eventId: event.id, deliveries: count + 1, err }, `event dead-lettered (${isPermanent(err) ? 'rejected' : 'delivery_limit'})`)
                return 'dead-lettered'
              }
              metrics.consumed.inc({ queue: sub.queue, result: 'retried' })
              await sleep(retryDelay(count, settings.retry), stop)
            }
          }
        } finally {
          active--
          waiting.values().next().value?.()
          if (active === 0) idlers.splice(0).forEach((resolve) => resolve())
        }
      },
    }
  }

  /** Dead letters asked back (replayDeadLetters, `npm run events -- replay-dlq`) are delivered again. */
  function startReplays(q: EmbeddedQueue, stopping: AbortSignal): Promise<void> {
    return runPollLoop({
      signal: stopping,
      log: o.log.child({ queue: q.sub.queue }),
      failure: 'dead-letter replay failed',
      step: async () => {
        for (const d of await findReplays(db, q.sub.queue, 100)) {
          if ((await q.deliver(d.body, d.source_schema)) === 'handled') await deleteReplayed(db, d.id)
        }
        return false
      },
      idle: () => sleep(Math.max(1000, settings.pollMs * 5), stopping),
    })
  }

  function startOutboxReader(schema: string): Stopper {
    const log = o.log.child({ outbox: schema })
    const ledger = createBackoffLedger(settings.retry)
    const stopping = new AbortController()
    const inflight = new Map<string, Promise<void>>()
    let wake: (() => void) | undefined
    const maxInflight = settings.batchSize * 2

    const dispatch = (event: EventEnvelope, targets: EmbeddedQueue[]) => {
      const done = Promise.all(targets.map((q) => q.deliver(event, schema, stopping.signal)))
        .then(async () => {
          await markPublished(db, schema, [event.id])
          metrics.relayed.inc({ schema, result: 'published' })
        })
        .catch((err: unknown) => log.debug({ err: (err as Error).message, eventId: event.id }, 'event stays unpublished'))
        .finally(() => {
          inflight.delete(event.id)
          wake?.()
        })
      inflight.set(event.id, done)
    }

    const tick = async (): Promise<number> => {
      const room = maxInflight - inflight.size
      if (room <= 0) return 0
      const rows = await selectHeads(db, schema, { limit: Math.min(room, settings.batchSize), window: settings.batchSize * 5, exclude: [...inflight.keys(), ...ledger.excluded()], lock: false })
      for (const row of rows) {
        const event = toEnvelope(row)
        const targets = [...queues.values()].filter((q) => q.sub.patterns.some((p) => topicMatches(p, event.type)))
        if (targets.length) {
          ledger.succeeded(event.id)
          dispatch(event, targets)
          continue
        }
        await recordFailure(db, schema, [event.id], 'unroutable: no subscriber for this event type')
        ledger.failed(event.id)
        metrics.relayed.inc({ schema, result: 'unroutable' })
      }
      return rows.length
    }

    const loop = runPollLoop({
      signal: stopping.signal,
      log,
      failure: 'outbox read failed; retrying',
      step: async () => (await tick()) > 0 && inflight.size < maxInflight,
      // The poll interval, or less when a delivery settles (its aggregate may have a next event).
      idle: async () => {
        const woken = new AbortController()
        wake = () => woken.abort()
        await sleep(settings.pollMs, AbortSignal.any([stopping.signal, woken.signal]))
        wake = undefined
      },
    })

    return async () => {
      // Deliveries waiting for a slot or a retry give up (their rows stay unpublished); running handlers finish.
      stopping.abort()
      await loop
      await Promise.race([Promise.allSettled([...inflight.values()]), sleep(drainMs)])
    }
  }

  return {
    kind: 'embedded',

    async startRelay(outboxDb, schema) {
      if (outboxDb !== db) throw new Error('the embedded bus reads the outbox of its own database')
      await ensureStore()
      return track(startOutboxReader(schema))
    },

    async subscribe(sub) {
      if (queues.has(sub.queue)) throw new Error(`queue ${sub.queue} already has a consumer in this process`)
      await ensureStore()
      const stopping = new AbortController()
      const q = openQueue(sub, stopping.signal)
      queues.set(sub.queue, q)
      const replays = startReplays(q, stopping.signal)
      return track(async () => {
        queues.delete(sub.queue)
        stopping.abort()
        await replays
        await Promise.race([q.idle(), sleep(drainMs)])
      })
    },

    async queueStats(queue) {
      await ensureStore()
      const q = queues.get(queue)
      return { queue, ready: q?.pending() ?? 0, consumers: q ? 1 : 0, deadLetters: await countDeadLetters(db, queue) }
    },

    async replayDeadLetters(queue) {
      await ensureStore()
      return requestReplay(db, queue)
    },

    async ping() {},

    async close() {
      // Readers first (nothing new is handed out), then the consumers.
      for (const stop of [...stoppers].reverse()) await stop()
    },
  }
}
