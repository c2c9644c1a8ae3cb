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
import type { NotificationConfig } from '../../src/services/notification/config.js'
import { startNotifications } from '../../src/services/notification/subscriptions.js'

const built = await buildApp({ services: 'notification', env: { ...process.env, EVENTS_WORKERS: 'false' }, defaultMetrics: false })
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
await startNotifications({ ...built.deps, bus: instrumented }, built.config as unknown as NotificationConfig)
process.stdout.write('notification ready\n')
