import { Counter, Gauge, Histogram, type Registry } from 'prom-client'

/** The pipeline's figures, on the registry of the process that runs the pool (served at /metrics). */
export interface ImageMetrics {
  queueLength: Gauge
  variantSeconds: Histogram<'format' | 'width'>
  failures: Counter<'code'>
}

export function createImageMetrics(registry: Registry): ImageMetrics {
  // A registry takes each name once; a second pool in the process (tests) shares the first one's.
  const existing = <T>(name: string) => registry.getSingleMetric(name) as T | undefined
  return {
    queueLength:
      existing<Gauge>('image_queue_length') ??
      new Gauge({ name: 'image_queue_length', help: 'Images waiting for a worker thread.', registers: [registry] }),
    variantSeconds:
      existing<Histogram<'format' | 'width'>>('image_variant_duration_seconds') ??
      new Histogram({
        name: 'image_variant_duration_seconds',
        help: 'Time to encode and write one variant, by format and width.',
        labelNames: ['format', 'width'],
        buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
        registers: [registry],
      }),
    failures:
      existing<Counter<'code'>>('image_failures_total') ??
      new Counter({ name: 'image_failures_total', help: 'Images refused or failed, by error code.', labelNames: ['code'], registers: [registry] }),
  }
}
