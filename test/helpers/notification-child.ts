/**
 * One notification service instance in its own process, as PM2 runs it:
 *   node --import tsx test/helpers/notification-child.ts
 * with DATABASE_URL, AMQP_URL, EVENTS_*, SMTP_URL in the environment. Prints
 * "notification ready" once it consumes.
 *
 * KILL_AFTER_HANDLING=<event id>: the process SIGKILLs itself right after the
 * handler of that event returned (its transaction committed) and before the
 * bus acknowledges it — a crash in the last gap of the consumer.
 */
import { buildApp } from '../../src/app.js'
import type { EventBus } from '../../src/platform/bus/bus.js'
import { startWorkers } from '../../src/platform/workers.js'
import { notificationService } from '../../src/services/notification/index.js'

const built = await buildApp({ services: 'notification', env: { ...process.env, BACKGROUND_WORKERS: 'false' }, defaultMetrics: false })
const killAfter = process.env.KILL_AFTER_HANDLING
const bus = built.deps.bus
const instrumented: EventBus = {
  ...bus,
  subscribe: (sub) =>
    bus.subscribe({
      ...sub,
      async handle(delivery) {
        await sub.handle(delivery)
        if (killAfter && delivery.messageId === killAfter) process.kill(process.pid, 'SIGKILL')
      },
    }),
}
// The service's own workers (its consumer), started on the instrumented bus.
const running = await notificationService.connect({ ...built.deps, bus: instrumented }, built.config)
await startWorkers(running.workers, built.deps.log)
process.stdout.write('notification ready\n')
