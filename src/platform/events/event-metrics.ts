import { Counter, Gauge, Histogram, type Registry } from 'prom-client'

/** The event metrics of one process, registered once per registry. */
export interface EventMetrics {
  relayed: Counter<'schema' | 'result'>
  relayBatch: Histogram<'schema'>
  consumed: Counter<'queue' | 'result'>
  handleSeconds: Histogram<'queue'>
  brokerConnected: Gauge<'connection'>
  brokerBlocked: Gauge<'connection'>
}

const byRegistry = new WeakMap<Registry, EventMetrics>()

export function eventMetrics(registry: Registry): EventMetrics {
  let m = byRegistry.get(registry)
  if (m) return m
  const registers = [registry]
  m = {
    relayed: new Counter({
      name: 'events_relayed_total',
      help: 'Outbox rows the relay tried to publish, by outbox schema and result (published, unroutable, nacked, unconfirmed).',
      labelNames: ['schema', 'result'],
      registers,
    }),
    relayBatch: new Histogram({
      name: 'events_relay_batch_seconds',
      help: 'Time of one relay batch: claim, publish with confirms, mark published.',
      labelNames: ['schema'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
      registers,
    }),
    consumed: new Counter({
      name: 'events_consumed_total',
      help: 'Deliveries by consumer queue and result (processed, duplicate, ignored, retried, dead_lettered).',
      labelNames: ['queue', 'result'],
      registers,
    }),
    handleSeconds: new Histogram({
      name: 'events_handle_seconds',
      help: 'Time to handle one delivery, commit included.',
      labelNames: ['queue'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
      registers,
    }),
    brokerConnected: new Gauge({ name: 'events_broker_connected', help: '1 while the broker connection is open.', labelNames: ['connection'], registers }),
    brokerBlocked: new Gauge({ name: 'events_broker_blocked', help: '1 while the broker blocks this connection from publishing.', labelNames: ['connection'], registers }),
  }
  byRegistry.set(registry, m)
  return m
}
