import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client'

/** The Prometheus registry of one process, served at /metrics. */
export interface Metrics {
  registry: Registry
  httpDuration: Histogram<'method' | 'route' | 'status_code'>
  cacheRequests: Counter<'cache' | 'result'>
}

export function createMetrics(service: string, options: { defaultMetrics?: boolean } = {}): Metrics {
  const registry = new Registry()
  registry.setDefaultLabels({ service })
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry })
  return {
    registry,
    httpDuration: new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request duration by route and status.',
      labelNames: ['method', 'route', 'status_code'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    cacheRequests: new Counter({
      name: 'cache_requests_total',
      help: 'Read-through cache lookups by cache name and result (hit, miss, bypass, error).',
      labelNames: ['cache', 'result'],
      registers: [registry],
    }),
  }
}
