import { AppError } from '../errors.js'
import type { Db } from '../db/db.js'

/**
 * The event bus port. Two adapters: RabbitMQ (production: a topic exchange, a
 * durable quorum queue per consuming service, a dead-letter queue per queue)
 * and an embedded one that reads the same outbox tables in process. Both give
 * at-least-once delivery; consumers make the effect happen once with their
 * inbox (platform/events/consumer.ts).
 */
export interface EventBus {
  readonly kind: 'rabbitmq' | 'embedded'
  /**
   * Moves the committed events of one outbox table (<schema>.outbox) to the
   * subscribers, in seq order per aggregate; safe to run in every instance.
   */
  startRelay(db: Db, schema: string): Promise<Stopper>
  /** Starts delivering the events matching the subscription's patterns to its handler. */
  subscribe(subscription: Subscription): Promise<Stopper>
  /** Messages waiting in a consumer's queue and in its dead-letter queue. */
  queueStats(queue: string): Promise<QueueStats>
  /** Moves a queue's dead letters back to it (after a fix); returns how many. */
  replayDeadLetters(queue: string): Promise<number>
  /** Readiness: throws when the broker cannot be reached. */
  ping(): Promise<void>
  close(): Promise<void>
}

export type Stopper = () => Promise<void>

export interface Subscription {
  /** The consuming service's queue, e.g. 'notification'. One queue per service, shared by its instances. */
  queue: string
  /** Routing patterns (event types, '*' = one word, '#' = any), e.g. ['order.*', 'user.*']. */
  patterns: string[]
  /** Deliveries handled at once by this process. */
  prefetch?: number
  /**
   * Resolves: the event is done (acknowledged). Throws: it is delivered again
   * after a back-off, and dead-lettered after the delivery limit; a
   * PermanentEventError dead-letters it at once.
   */
  handle(delivery: Delivery): Promise<void>
}

export interface Delivery {
  /** The message body parsed as JSON, or the raw text when it is not JSON. */
  body: unknown
  messageId?: string
  /** Failed deliveries before this one (0 the first time). */
  deliveryCount: number
}

export interface QueueStats {
  queue: string
  /** Messages ready in the queue (not counting those being handled). */
  ready: number
  consumers: number
  deadLetters: number
}

/** A failure that retrying cannot fix (an address the mail server refuses): dead-letter now. */
export class PermanentEventError extends AppError {
  readonly permanent = true
}

export function isPermanent(err: unknown): boolean {
  return err instanceof PermanentEventError || (err as { permanent?: unknown } | null)?.permanent === true
}

/** Delay before failed delivery number n (0-based) is retried: exponential, capped, with jitter. */
export function retryDelay(deliveryCount: number, retry: { baseMs: number; maxMs: number }): number {
  const ms = Math.min(retry.maxMs, retry.baseMs * 2 ** Math.min(deliveryCount, 30))
  return Math.round(ms * (0.75 + Math.random() * 0.5))
}

/** AMQP topic matching: words split by '.', '*' matches one word, '#' zero or more. */
export function topicMatches(pattern: string, routingKey: string): boolean {
  const p = pattern.split('.')
  const k = routingKey.split('.')
  const match = (i: number, j: number): boolean => {
    if (i === p.length) return j === k.length
    if (p[i] === '#') return match(i + 1, j) || (j < k.length && match(i, j + 1))
    return j < k.length && (p[i] === '*' || p[i] === k[j]) && match(i + 1, j + 1)
  }
  return match(0, 0)
}

/** Sleeps ms, or less when the signal aborts; never rejects. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve()
    const timer = setTimeout(done, ms)
    function done() {
      clearTimeout(timer)
      signal?.removeEventListener('abort', done)
      resolve()
    }
    signal?.addEventListener('abort', done, { once: true })
  })
}
