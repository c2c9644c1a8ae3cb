import { Type, type Static } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'

/**
 * Event settings every process reads (next to AMQP_URL in the platform
 * settings). RabbitMQ 3.10 has no default delivery limit: ours is explicit.
 */
export const busConfig = Type.Object({
  EVENTS_EXCHANGE: Type.String({ default: 'emporium.events', pattern: '^[A-Za-z0-9._-]{1,200}$', description: 'Topic exchange every event is published to (routing key = event type).' }),
  EVENTS_QUEUE_PREFIX: Type.String({ default: '', pattern: '^[A-Za-z0-9._-]{0,100}$', description: 'Prefix of the consumer queue names (e.g. per environment).' }),
  EVENTS_DELIVERY_LIMIT: Type.Integer({ minimum: 1, maximum: 1000, default: 10, description: 'Failed deliveries after which an event is dead-lettered (x-delivery-limit).' }),
  EVENTS_RETRY_BASE_MS: Type.Integer({ minimum: 1, default: 1000, description: 'First retry delay of a failed delivery or an unroutable publish; doubles each time.' }),
  EVENTS_RETRY_MAX_MS: Type.Integer({ minimum: 1, default: 60_000 }),
  EVENTS_PREFETCH: Type.Integer({ minimum: 1, maximum: 1000, default: 16, description: 'Deliveries a consumer handles at once.' }),
  EVENTS_CONFIRM_TIMEOUT_MS: Type.Integer({ minimum: 100, default: 10_000, description: 'Wait for the broker to confirm a batch; below the database idle-in-transaction timeout.' }),
  EVENTS_HEARTBEAT_SECONDS: Type.Integer({ minimum: 0, default: 15 }),
  OUTBOX_POLL_MS: Type.Integer({ minimum: 10, default: 200, description: 'Relay poll interval when the outbox is empty.' }),
  OUTBOX_BATCH_SIZE: Type.Integer({ minimum: 1, maximum: 5000, default: 200 }),
})

export type BusConfig = Static<typeof busConfig>

export interface BusSettings {
  exchange: string
  queuePrefix: string
  deliveryLimit: number
  retry: { baseMs: number; maxMs: number }
  prefetch: number
  confirmTimeoutMs: number
  heartbeatSeconds: number
  pollMs: number
  batchSize: number
}

/** The bus settings out of a loaded configuration; defaults fill what a caller's schema left out. */
export function busSettings(config: object): BusSettings {
  const known = Object.fromEntries(Object.keys(busConfig.properties).flatMap((k) => (k in config ? [[k, (config as Record<string, unknown>)[k]]] : [])))
  const c = Value.Default(busConfig, known) as BusConfig
  if (!Value.Check(busConfig, c)) throw new Error(`invalid event settings: ${[...Value.Errors(busConfig, c)].map((e) => `${e.path} ${e.message}`).join('; ')}`)
  return {
    exchange: c.EVENTS_EXCHANGE,
    queuePrefix: c.EVENTS_QUEUE_PREFIX,
    deliveryLimit: c.EVENTS_DELIVERY_LIMIT,
    retry: { baseMs: c.EVENTS_RETRY_BASE_MS, maxMs: c.EVENTS_RETRY_MAX_MS },
    prefetch: c.EVENTS_PREFETCH,
    confirmTimeoutMs: c.EVENTS_CONFIRM_TIMEOUT_MS,
    heartbeatSeconds: c.EVENTS_HEARTBEAT_SECONDS,
    pollMs: c.OUTBOX_POLL_MS,
    batchSize: c.OUTBOX_BATCH_SIZE,
  }
}
